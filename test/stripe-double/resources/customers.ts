import { invalidValue, noSuchResource } from '../api-error';
import { newCustomer } from '../billing/customers';
import { cancelNow } from '../billing/subscriptions';
import { PAGINATION_PARAMS, paginate } from '../lists';
import { render } from '../render';
import type { Operation } from '../operation';
import { applyMetadata, type ParamReader } from '../params';
import type { Route } from '../router';
import type { Store } from '../store';
import type { CustomerObject, DeletedObject } from '../types';

const CREATE_PARAMS = [
  'address',
  'balance',
  'business_name',
  'cash_balance',
  'description',
  'email',
  'individual_name',
  'invoice_prefix',
  'invoice_settings',
  'metadata',
  'name',
  'next_invoice_sequence',
  'payment_method',
  'phone',
  'preferred_locales',
  'shipping',
  'source',
  'tax',
  'tax_exempt',
  'tax_id_data',
  'test_clock',
  'validate',
];
const UPDATE_PARAMS = [
  'address',
  'balance',
  'business_name',
  'cash_balance',
  'default_source',
  'description',
  'email',
  'individual_name',
  'invoice_prefix',
  'invoice_settings',
  'metadata',
  'name',
  'next_invoice_sequence',
  'phone',
  'preferred_locales',
  'shipping',
  'source',
  'tax',
  'tax_exempt',
  'validate',
];

/** A customer the API can still act on; deleted customers only answer retrieval. */
export function requireCustomer(
  store: Store,
  id: string,
  param: string,
  location: 'path' | 'param',
): CustomerObject {
  const customer = store.customers.get(id);
  if (!customer || customer.deleted) throw noSuchResource('customer', id, param, location);
  return customer;
}

function applyCustomerParams(customer: CustomerObject, params: ParamReader): void {
  const email = params.nullableString('email');
  if (email !== undefined) customer.email = email;
  const name = params.nullableString('name');
  if (name !== undefined) customer.name = name;
  const description = params.nullableString('description');
  if (description !== undefined) customer.description = description;
  const phone = params.nullableString('phone');
  if (phone !== undefined) customer.phone = phone;
  const balance = params.integer('balance');
  if (balance !== undefined) customer.balance = balance;
  customer.metadata = applyMetadata(customer.metadata, params.metadata());
  const address = params.hash('address');
  if (address !== undefined) customer.address = address?.raw ?? null;
  const invoiceSettings = params.hash('invoice_settings');
  const defaultPaymentMethod = invoiceSettings?.nullableString('default_payment_method');
  if (defaultPaymentMethod !== undefined) {
    customer.invoice_settings.default_payment_method = defaultPaymentMethod;
  }
}

function createCustomer({ params, operation }: { params: ParamReader; operation: Operation }) {
  params.rejectUnknown(CREATE_PARAMS);
  const invoicePrefix = params.string('invoice_prefix');
  const customer = newCustomer(operation, {
    ...(invoicePrefix ? { invoice_prefix: invoicePrefix } : {}),
    next_invoice_sequence: params.integer('next_invoice_sequence', { min: 1 }) ?? 1,
  });
  applyCustomerParams(customer, params);
  operation.store.customers.insert(customer);
  operation.emit('customer.created', customer);
  return render(operation.store, customer);
}

/**
 * The subset of Stripe's search query language apps use to find customers:
 * `email:'a@b.c'`, `name:'…'`, `metadata['key']:'value'`, joined with AND.
 */
function searchCustomers(store: Store, params: ParamReader) {
  params.rejectUnknown(['query', 'limit', 'page']);
  const query = params.requiredString('query');
  const clauses = query.split(/\s+AND\s+/i).map((clause) => {
    const [, field, metadataKey, value] =
      /^(email|name|phone|metadata\[['"]([^'"]+)['"]\]):['"](.*)['"]$/.exec(clause.trim()) ?? [];
    if (field === undefined || value === undefined) {
      throw invalidValue('query', `Invalid search query: ${query}`);
    }
    return { field, metadataKey, value };
  });
  const limit = params.integer('limit', { min: 1, max: 100 }) ?? 10;
  const matches = store.customers
    .newestFirst()
    .filter((customer) => !customer.deleted)
    .filter((customer) =>
      clauses.every((clause) =>
        clause.metadataKey !== undefined
          ? customer.metadata[clause.metadataKey] === clause.value
          : customer[clause.field] === clause.value,
      ),
    );
  return {
    object: 'search_result',
    data: matches.slice(0, limit).map((customer) => render(store, customer)),
    has_more: matches.length > limit,
    next_page: null,
    url: '/v1/customers/search',
  };
}

export const customerRoutes: Route[] = [
  { method: 'POST', path: '/v1/customers', handler: createCustomer },
  {
    method: 'GET',
    path: '/v1/customers',
    handler: ({ params, operation: { store } }) => {
      params.rejectUnknown([...PAGINATION_PARAMS, 'email', 'test_clock']);
      const email = params.string('email');
      return paginate(params, store.customers.newestFirst(), {
        url: '/v1/customers',
        resourceName: 'customer',
        render: (customer) => render(store, customer),
        matches: (customer) => !customer.deleted && (email === undefined || customer.email === email),
      });
    },
  },
  {
    method: 'GET',
    path: '/v1/customers/search',
    handler: ({ params, operation: { store } }) => searchCustomers(store, params),
  },
  {
    method: 'GET',
    path: '/v1/customers/:id',
    handler: ({ pathParam, params, operation: { store } }) => {
      params.rejectUnknown([]);
      const customer = store.customers.get(pathParam('id'));
      if (!customer) throw noSuchResource('customer', pathParam('id'), 'id', 'path');
      if (customer.deleted) return { id: customer.id, object: 'customer', deleted: true };
      return render(store, customer);
    },
  },
  {
    method: 'POST',
    path: '/v1/customers/:id',
    handler: ({ pathParam, params, operation }) => {
      const customer = requireCustomer(operation.store, pathParam('id'), 'id', 'path');
      params.rejectUnknown(UPDATE_PARAMS);
      const before = operation.snapshot(customer);
      applyCustomerParams(customer, params);
      operation.emitUpdated('customer.updated', before, customer);
      return render(operation.store, customer);
    },
  },
  {
    method: 'DELETE',
    path: '/v1/customers/:id',
    handler: ({ pathParam, params, operation }): DeletedObject => {
      params.rejectUnknown([]);
      const customer = requireCustomer(operation.store, pathParam('id'), 'id', 'path');
      // Deleting a customer cancels its subscriptions immediately.
      for (const subscription of operation.store.subscriptions.all()) {
        if (subscription.customer === customer.id && subscription.status !== 'canceled') {
          cancelNow(operation, subscription, {
            reason: 'cancellation_requested',
            comment: null,
            feedback: null,
          });
        }
      }
      operation.emit('customer.deleted', customer);
      customer.deleted = true;
      return { id: customer.id, object: 'customer', deleted: true };
    },
  },
];
