import { cardDeclined, invalidState, noSuchResource } from '../api-error';
import { settleInvoice } from '../billing/settlement';
import { PAGINATION_PARAMS, paginate } from '../lists';
import { render } from '../render';
import type { ApiRequest, Route } from '../router';
import type { Store } from '../store';
import type { InvoiceObject } from '../types';

export function requireInvoice(store: Store, id: string): InvoiceObject {
  const invoice = store.invoices.get(id);
  if (!invoice) throw noSuchResource('invoice', id, 'invoice', 'path');
  return invoice;
}

function handleList({ params, operation: { store } }: ApiRequest) {
  params.rejectUnknown([
    ...PAGINATION_PARAMS,
    'collection_method',
    'customer',
    'customer_account',
    'due_date',
    'status',
    'subscription',
  ]);
  const customer = params.string('customer');
  const subscription = params.string('subscription');
  const status = params.oneOf('status', ['draft', 'open', 'paid', 'uncollectible', 'void']);
  return paginate(params, store.invoices.newestFirst(), {
    url: '/v1/invoices',
    resourceName: 'invoice',
    render: (invoice) => render(store, invoice),
    matches: (invoice) =>
      (customer === undefined || invoice.customer === customer) &&
      (subscription === undefined || invoice.parent?.subscription_details.subscription === subscription) &&
      (status === undefined || invoice.status === status),
  });
}

/** `POST /v1/invoices/:id/pay`: charges the payment method on file; a decline answers 402. */
function handlePay({ pathParam, params, operation }: ApiRequest): InvoiceObject {
  params.rejectUnknown(['forgive', 'mandate', 'off_session', 'paid_out_of_band', 'payment_method', 'source']);
  const invoice = requireInvoice(operation.store, pathParam('id'));
  if (invoice.status === 'paid') throw invalidState('Invoice is already paid.');
  if (invoice.status !== 'open' && invoice.status !== 'draft') {
    throw invalidState(`This invoice can no longer be paid because it is ${invoice.status}.`);
  }
  const payment = settleInvoice(operation, invoice);
  if (payment && !payment.succeeded) {
    const error = payment.paymentIntent.last_payment_error;
    if (!payment.charge || !error) {
      throw invalidState(
        'This customer has no attached payment source or default payment method. Please consider adding a default payment method.',
      );
    }
    throw cardDeclined(String(error.decline_code), String(error.message), {
      charge: payment.charge.id,
      payment_intent: render(operation.store, payment.paymentIntent),
    });
  }
  return render(operation.store, invoice);
}

export const invoiceRoutes: Route[] = [
  { method: 'GET', path: '/v1/invoices', handler: handleList },
  {
    method: 'GET',
    path: '/v1/invoices/:id',
    handler: ({ pathParam, params, operation: { store } }) => {
      params.rejectUnknown([]);
      return render(store, requireInvoice(store, pathParam('id')));
    },
  },
  { method: 'POST', path: '/v1/invoices/:id/pay', handler: handlePay },
];
