import { invalidValue, missingParam, noSuchResource } from '../api-error';
import { noUpcomingInvoice, previewSubscriptionChange } from '../billing/invoice-preview';
import type { ItemChange } from '../billing/item-changes';
import type { ProrationBehavior } from '../billing/subscriptions';
import type { Operation } from '../operation';
import type { ParamReader } from '../params';
import type { ApiRequest, Route } from '../router';
import type { InvoiceObject, SubscriptionObject } from '../types';
import { requirePrice } from './catalog';
import { requireCustomer } from './customers';

const PARAMS = [
  'automatic_tax',
  'currency',
  'customer',
  'customer_account',
  'customer_details',
  'discounts',
  'invoice_items',
  'issuer',
  'on_behalf_of',
  'preview_mode',
  'schedule',
  'schedule_details',
  'subscription',
  'subscription_details',
];
const SUBSCRIPTION_DETAILS_PARAMS = [
  'billing_cycle_anchor',
  'billing_mode',
  'billing_schedules',
  'cancel_at',
  'cancel_at_period_end',
  'cancel_now',
  'default_tax_rates',
  'items',
  'metadata',
  'pause',
  'proration_behavior',
  'proration_date',
  'resume_at',
  'start_date',
  'trial_end',
];
const ITEM_PARAMS = [
  'billing_thresholds',
  'clear_usage',
  'current_trial',
  'deleted',
  'discounts',
  'id',
  'metadata',
  'plan',
  'price',
  'price_data',
  'quantity',
  'tax_rates',
];
/** What the double computes; Stripe's other preview parameters are refused rather than ignored. */
const MODELLED_PARAMS = ['customer', 'subscription', 'subscription_details'];
const MODELLED_SUBSCRIPTION_DETAILS = ['items', 'proration_behavior', 'proration_date'];
const PRORATION_BEHAVIORS: readonly ProrationBehavior[] = ['always_invoice', 'create_prorations', 'none'];

function notModelled(param: string) {
  return invalidValue(param, `The Stripe double does not model ${param} on invoice previews.`);
}

function readItemChanges(operation: Operation, details: ParamReader): ItemChange[] | undefined {
  return details.hashList('items')?.map((item) => {
    item.rejectUnknown(ITEM_PARAMS);
    for (const name of Object.keys(item.raw)) {
      if (!['id', 'price', 'quantity', 'deleted', 'metadata'].includes(name)) {
        throw notModelled(item.pathOf(name));
      }
    }
    const priceId = item.string('price');
    const price = priceId ? requirePrice(operation.store, priceId, item.pathOf('price'), 'param') : undefined;
    if (price && !price.recurring) {
      throw invalidValue(
        item.pathOf('price'),
        'The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.',
      );
    }
    if (price && !price.active) {
      throw invalidValue(
        item.pathOf('price'),
        'The price specified is inactive. This field only accepts active prices.',
      );
    }
    return {
      id: item.string('id'),
      price,
      quantity: item.integer('quantity', { min: 0 }),
      deleted: item.boolean('deleted'),
      metadata: item.metadata(),
    };
  });
}

/**
 * `POST /v1/invoices/create_preview`: what the next invoice of a subscription would be with the
 * given changes (Stripe's successor of the upcoming-invoice endpoint). Nothing is stored.
 */
function handleCreatePreview({ params, operation }: ApiRequest): InvoiceObject {
  const { store } = operation;
  params.rejectUnknown(PARAMS);
  for (const name of Object.keys(params.raw)) {
    if (name !== 'expand' && !MODELLED_PARAMS.includes(name)) throw notModelled(name);
  }
  const details = params.hash('subscription_details');
  details?.rejectUnknown(SUBSCRIPTION_DETAILS_PARAMS);
  for (const name of Object.keys(details?.raw ?? {})) {
    if (!MODELLED_SUBSCRIPTION_DETAILS.includes(name)) throw notModelled(details!.pathOf(name));
  }

  const subscriptionId = params.string('subscription');
  const customerId = params.string('customer');
  if (!subscriptionId && !customerId) throw missingParam('customer');
  let subscription: SubscriptionObject | undefined;
  if (subscriptionId) {
    subscription = store.subscriptions.get(subscriptionId);
    if (!subscription) throw noSuchResource('subscription', subscriptionId, 'subscription', 'param');
  }
  const customer = requireCustomer(
    store,
    customerId ?? (subscription as SubscriptionObject).customer,
    'customer',
    'param',
  );
  if (subscription && subscription.customer !== customer.id) {
    throw invalidValue(
      'subscription',
      `The subscription ${subscription.id} does not belong to the customer ${customer.id}.`,
    );
  }
  const itemChanges = details ? readItemChanges(operation, details) : undefined;
  if (!subscription) {
    if (itemChanges) throw notModelled('subscription_details[items] without subscription');
    // Without a subscription Stripe previews the customer's next invoice among their subscriptions.
    subscription = store.subscriptions
      .newestFirst()
      .find((candidate) => candidate.customer === customer.id && candidate.status !== 'canceled');
    if (!subscription) throw noUpcomingInvoice(customer.id);
  }
  const prorationBehavior = details?.oneOf('proration_behavior', PRORATION_BEHAVIORS) ?? 'create_prorations';
  const now = operation.now();
  const prorationDate = details?.integer('proration_date') ?? now;
  if (details?.has('proration_date')) {
    if (!itemChanges) throw missingParam('subscription_details[items]');
    if (prorationBehavior === 'none') {
      throw invalidValue(
        'subscription_details[proration_behavior]',
        'subscription_details[proration_date] cannot be used with proration_behavior=none.',
      );
    }
  }
  return previewSubscriptionChange(operation, {
    customer,
    subscription,
    itemChanges,
    prorationBehavior,
    prorationDate,
  });
}

export const invoicePreviewRoutes: Route[] = [
  { method: 'POST', path: '/v1/invoices/create_preview', handler: handleCreatePreview },
];
