import { fromTemplate } from '../fixtures';
import { newId, randomChars } from '../ids';
import type { Operation } from '../operation';
import type { CustomerObject } from '../types';

/** A customer as Stripe creates one: empty but for `fields`; not stored yet. */
export function newCustomer(operation: Operation, fields: Partial<CustomerObject> = {}): CustomerObject {
  return fromTemplate<CustomerObject>('customer', {
    id: newId('cus'),
    object: 'customer',
    created: operation.now(),
    email: null,
    name: null,
    description: null,
    phone: null,
    balance: 0,
    invoice_prefix: randomChars(8, '0123456789ABCDEF'),
    next_invoice_sequence: 1,
    metadata: {},
    invoice_settings: {
      custom_fields: null,
      default_payment_method: null,
      footer: null,
      rendering_options: null,
    },
    ...fields,
  });
}
