import { invalidValue } from './api-error';
import { render } from './render';
import type { Store } from './store';
import type { ListObject, StripeObject } from './types';

const MAX_EXPANSION_DEPTH = 4;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function listOf<T>(data: T[], url: string): ListObject<T> {
  return { object: 'list', data, has_more: false, url };
}

/** Fields Stripe leaves out of an object unless asked for with `expand[]`. */
function includableField(store: Store, owner: Record<string, unknown>, field: string): unknown {
  const id = owner.id as string;
  const key = `${String(owner.object)}.${field}`;
  switch (key) {
    case 'checkout.session.line_items':
      return listOf(
        store.checkoutSessionExtras.get(id)?.lineItems.map((item) => render(store, item)) ?? [],
        `/v1/checkout/sessions/${id}/line_items`,
      );
    case 'invoice.payments':
      return listOf(
        store.invoicePayments
          .newestFirst()
          .filter((payment) => payment.invoice === id)
          .map((payment) => render(store, payment)),
        `/v1/invoices/${id}/payments`,
      );
    case 'charge.refunds':
      return listOf(
        store.refunds
          .newestFirst()
          .filter((refund) => refund.charge === id)
          .map((refund) => render(store, refund)),
        `/v1/charges/${id}/refunds`,
      );
    case 'customer.subscriptions':
      return listOf(
        store.subscriptions
          .newestFirst()
          .filter((subscription) => subscription.customer === id && subscription.status !== 'canceled')
          .map((subscription) => render(store, subscription)),
        `/v1/customers/${id}/subscriptions`,
      );
    default:
      return undefined;
  }
}

function cannotExpand(path: string): Error {
  return invalidValue('expand', `This property cannot be expanded (${path}).`);
}

function expandPath(store: Store, target: unknown, segments: string[], path: string): void {
  if (Array.isArray(target)) {
    for (const element of target) expandPath(store, element, segments, path);
    return;
  }
  const [field, ...rest] = segments;
  if (!isObject(target) || field === undefined) return;
  let value = target[field];
  if (value === undefined) {
    value = includableField(store, target, field);
    if (value === undefined) throw cannotExpand(path);
    target[field] = value;
  } else if (typeof value === 'string') {
    // Ids of objects the double does not model (payment methods, portal configurations) stay ids.
    const referenced: StripeObject | undefined = store.findById(value);
    if (referenced) {
      value = render(store, referenced);
      target[field] = value;
    }
  } else if (typeof value !== 'object') {
    throw cannotExpand(path);
  }
  expandPath(store, value, rest, path);
}

/** Applies `expand[]` paths (`subscription`, `data.customer`, `items.data.price.product`). */
export function expandResponse(store: Store, body: unknown, paths: string[]): unknown {
  for (const path of paths) {
    const segments = path.split('.');
    // `data` steps into a list and does not count as a level.
    if (segments.filter((segment) => segment !== 'data').length > MAX_EXPANSION_DEPTH) {
      throw invalidValue('expand', `You cannot expand more than 4 levels of a property. Property: ${path}`);
    }
    expandPath(store, body, segments, path);
  }
  return body;
}
