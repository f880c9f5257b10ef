import { exclusiveParams, invalidState, invalidValue, missingParam, noSuchResource } from '../api-error';
import { changeItems, invoiceSubscriptionNow, type ItemChange } from '../billing/item-changes';
import { endTrialNow, moveTrialEnd, resume } from '../billing/lifecycle';
import {
  addPendingProrations,
  cancelNow,
  createSubscription,
  firstItem,
  scheduleCancellation,
  type NewSubscriptionItem,
  type PaymentBehavior,
  type ProrationBehavior,
} from '../billing/subscriptions';
import { PAGINATION_PARAMS, paginate } from '../lists';
import type { Operation } from '../operation';
import { applyMetadata, type ParamReader } from '../params';
import { render } from '../render';
import type { ApiRequest, Route } from '../router';
import type { Store } from '../store';
import { SECONDS_PER_DAY } from '../time';
import type {
  CancellationDetails,
  PriceObject,
  MissingPaymentMethodBehavior,
  SaveDefaultPaymentMethod,
  SubscriptionObject,
  SubscriptionPaymentSettings,
  SubscriptionStatus,
} from '../types';
import { requireCustomer } from './customers';
import { isMetered, requirePrice } from './catalog';

const CREATE_PARAMS = [
  'add_invoice_items',
  'application_fee_percent',
  'automatic_tax',
  'backdate_start_date',
  'billing_cycle_anchor',
  'billing_cycle_anchor_config',
  'billing_mode',
  'billing_schedules',
  'billing_thresholds',
  'cancel_at',
  'cancel_at_period_end',
  'collection_method',
  'currency',
  'customer',
  'customer_account',
  'days_until_due',
  'default_payment_method',
  'default_source',
  'default_tax_rates',
  'description',
  'discounts',
  'invoice_settings',
  'items',
  'metadata',
  'off_session',
  'on_behalf_of',
  'payment_behavior',
  'payment_settings',
  'pending_invoice_item_interval',
  'proration_behavior',
  'transfer_data',
  'trial_end',
  'trial_from_plan',
  'trial_period_days',
  'trial_settings',
];
const UPDATE_PARAMS = [
  'add_invoice_items',
  'application_fee_percent',
  'automatic_tax',
  'billing_cycle_anchor',
  'billing_schedules',
  'billing_thresholds',
  'cancel_at',
  'cancel_at_period_end',
  'cancellation_details',
  'collection_method',
  'days_until_due',
  'default_payment_method',
  'default_source',
  'default_tax_rates',
  'description',
  'discounts',
  'invoice_settings',
  'items',
  'metadata',
  'off_session',
  'on_behalf_of',
  'pause_collection',
  'payment_behavior',
  'payment_settings',
  'pending_invoice_item_interval',
  'proration_behavior',
  'proration_date',
  'transfer_data',
  'trial_end',
  'trial_from_plan',
  'trial_settings',
];
const PAYMENT_BEHAVIORS: readonly PaymentBehavior[] = [
  'allow_incomplete',
  'default_incomplete',
  'error_if_incomplete',
  'pending_if_incomplete',
];
const PRORATION_BEHAVIORS: readonly ProrationBehavior[] = ['always_invoice', 'create_prorations', 'none'];
const MISSING_PAYMENT_METHOD_BEHAVIORS: readonly MissingPaymentMethodBehavior[] = [
  'cancel',
  'create_invoice',
  'pause',
];
const SAVE_DEFAULT_PAYMENT_METHOD: readonly SaveDefaultPaymentMethod[] = ['off', 'on_subscription'];
const LIST_STATUSES = [
  'active',
  'all',
  'canceled',
  'ended',
  'incomplete',
  'incomplete_expired',
  'past_due',
  'paused',
  'trialing',
  'unpaid',
] as const;
const FEEDBACK = [
  'customer_service',
  'low_quality',
  'missing_features',
  'other',
  'switched_service',
  'too_complex',
  'too_expensive',
  'unused',
] as const;

export function requireSubscription(store: Store, id: string): SubscriptionObject {
  const subscription = store.subscriptions.get(id);
  if (!subscription) throw noSuchResource('subscription', id, 'id', 'path');
  return subscription;
}

function readNewItems(operation: Operation, params: ParamReader): NewSubscriptionItem[] {
  const items = params.hashList('items');
  if (!items || items.length === 0) throw missingParam('items');
  return items.map((item) => {
    item.rejectUnknown([
      'price',
      'price_data',
      'quantity',
      'metadata',
      'discounts',
      'tax_rates',
      'billing_thresholds',
      'plan',
    ]);
    const price = requirePrice(operation.store, item.requiredString('price'), item.pathOf('price'), 'param');
    if (!price.recurring) {
      throw invalidValue(
        item.pathOf('price'),
        `The price specified is set to \`type=one_time\` but this field only accepts prices with \`type=recurring\`.`,
      );
    }
    if (!price.active) {
      throw invalidValue(
        item.pathOf('price'),
        'The price specified is inactive. This field only accepts active prices.',
      );
    }
    rejectMeteredQuantity(price, item);
    return {
      price,
      quantity: isMetered(price) ? 0 : (item.integer('quantity', { min: 0 }) ?? 1),
      metadata: applyMetadata({}, item.metadata()),
    };
  });
}

/** A metered price bills what its meter counts: Stripe refuses a quantity for its item. */
function rejectMeteredQuantity(price: PriceObject, item: ParamReader): void {
  if (isMetered(price) && item.has('quantity')) {
    throw invalidValue(
      item.pathOf('quantity'),
      'Quantity should not be specified where usage_type is `metered`.',
    );
  }
}

function readMissingPaymentMethod(params: ParamReader) {
  const settings = params.hash('trial_settings');
  if (settings === null) throw invalidValue('trial_settings', 'Invalid hash');
  settings?.rejectUnknown(['end_behavior']);
  const endBehavior = settings?.hash('end_behavior');
  if (settings && !endBehavior) throw missingParam(settings.pathOf('end_behavior'));
  endBehavior?.rejectUnknown(['billing_cycle_anchor', 'missing_payment_method']);
  endBehavior?.oneOf('billing_cycle_anchor', ['now', 'unchanged']);
  return endBehavior?.oneOf('missing_payment_method', MISSING_PAYMENT_METHOD_BEHAVIORS);
}

function readPaymentSettings(params: ParamReader): Partial<SubscriptionPaymentSettings> | undefined {
  const settings = params.hash('payment_settings');
  if (settings === null) throw invalidValue('payment_settings', 'Invalid hash');
  if (!settings) return undefined;
  settings.rejectUnknown(['payment_method_options', 'payment_method_types', 'save_default_payment_method']);
  const save = settings.oneOf('save_default_payment_method', SAVE_DEFAULT_PAYMENT_METHOD);
  // An empty string unsets the list, as in Stripe.
  const types = settings.has('payment_method_types')
    ? (settings.stringList('payment_method_types') ?? null)
    : undefined;
  return {
    ...(save !== undefined ? { save_default_payment_method: save } : {}),
    ...(types !== undefined ? { payment_method_types: types } : {}),
  };
}

function handleCreate({ params, operation }: ApiRequest): SubscriptionObject {
  const { store } = operation;
  params.rejectUnknown(CREATE_PARAMS);
  const customer = requireCustomer(store, params.requiredString('customer'), 'customer', 'param');
  const items = readNewItems(operation, params);
  const now = operation.now();
  if (params.has('trial_end') && params.has('trial_period_days')) {
    throw exclusiveParams(['trial_end', 'trial_period_days']);
  }
  const trialPeriodDays = params.integer('trial_period_days', { min: 0, max: 730 });
  const trialEndParam = params.string('trial_end');
  let trialEnd: number | null = null;
  if (trialEndParam !== undefined && trialEndParam !== 'now') {
    trialEnd = params.integer('trial_end') ?? null;
    if (trialEnd !== null && trialEnd <= now) {
      throw invalidValue('trial_end', 'Invalid timestamp: must be an integer Unix timestamp in the future.');
    }
  } else if (trialPeriodDays) {
    trialEnd = now + trialPeriodDays * SECONDS_PER_DAY;
  } else if (params.boolean('trial_from_plan')) {
    const planTrialDays = firstItem(items).price.recurring?.trial_period_days;
    if (planTrialDays) trialEnd = now + planTrialDays * SECONDS_PER_DAY;
  }
  const { subscription } = createSubscription(operation, {
    customer,
    items,
    metadata: applyMetadata({}, params.metadata()),
    description: params.string('description') ?? null,
    defaultPaymentMethod: params.string('default_payment_method') ?? null,
    trialEnd,
    missingPaymentMethod: readMissingPaymentMethod(params) ?? 'create_invoice',
    paymentSettings: readPaymentSettings(params),
    cancelAtPeriodEnd: params.boolean('cancel_at_period_end') ?? false,
    paymentBehavior: params.oneOf('payment_behavior', PAYMENT_BEHAVIORS) ?? 'allow_incomplete',
  });
  return render(store, subscription);
}

function readItemChanges(operation: Operation, params: ParamReader): ItemChange[] | undefined {
  return params.hashList('items')?.map((item) => {
    item.rejectUnknown([
      'id',
      'price',
      'price_data',
      'quantity',
      'deleted',
      'clear_usage',
      'metadata',
      'discounts',
      'tax_rates',
      'billing_thresholds',
      'plan',
    ]);
    const priceId = item.string('price');
    const price = priceId ? requirePrice(operation.store, priceId, item.pathOf('price'), 'param') : undefined;
    if (price && !price.active) {
      throw invalidValue(
        item.pathOf('price'),
        'The price specified is inactive. This field only accepts active prices.',
      );
    }
    if (price) rejectMeteredQuantity(price, item);
    return {
      id: item.string('id'),
      price,
      quantity: item.integer('quantity', { min: 0 }),
      deleted: item.boolean('deleted'),
      metadata: item.metadata(),
    };
  });
}

function readCancellationDetails(params: ParamReader): Partial<CancellationDetails> | undefined {
  const details = params.hash('cancellation_details');
  if (!details) return undefined;
  details.rejectUnknown(['comment', 'feedback']);
  const feedback = details.string('feedback') === '' ? null : details.oneOf('feedback', FEEDBACK);
  return {
    ...(details.has('comment') ? { comment: details.nullableString('comment') ?? null } : {}),
    ...(feedback !== undefined ? { feedback } : {}),
  };
}

function handleUpdate({ pathParam, params, operation }: ApiRequest): SubscriptionObject {
  const { store } = operation;
  const subscription = requireSubscription(store, pathParam('id'));
  params.rejectUnknown(UPDATE_PARAMS);
  if (
    subscription.status === 'canceled' &&
    Object.keys(params.raw).some((name) => !['metadata', 'cancellation_details', 'expand'].includes(name))
  ) {
    throw invalidState('A canceled subscription can only update its cancellation_details and metadata.');
  }
  const now = operation.now();
  const before = operation.snapshot(subscription);
  const prorationBehavior = params.oneOf('proration_behavior', PRORATION_BEHAVIORS) ?? 'create_prorations';
  const prorationDate = params.integer('proration_date') ?? now;
  const itemChanges = readItemChanges(operation, params);
  const cancellationDetails = readCancellationDetails(params);

  subscription.metadata = applyMetadata(subscription.metadata, params.metadata());
  const description = params.nullableString('description');
  if (description !== undefined) subscription.description = description;
  const defaultPaymentMethod = params.nullableString('default_payment_method');
  if (defaultPaymentMethod !== undefined) subscription.default_payment_method = defaultPaymentMethod;
  const missingPaymentMethod = readMissingPaymentMethod(params);
  if (missingPaymentMethod) {
    subscription.trial_settings = { end_behavior: { missing_payment_method: missingPaymentMethod } };
  }
  const paymentSettings = readPaymentSettings(params);
  if (paymentSettings)
    subscription.payment_settings = { ...subscription.payment_settings, ...paymentSettings };
  const pauseCollection = params.hash('pause_collection');
  if (pauseCollection === null) subscription.pause_collection = null;
  if (pauseCollection) {
    pauseCollection.rejectUnknown(['behavior', 'resumes_at']);
    subscription.pause_collection = {
      behavior: pauseCollection.requiredOneOf('behavior', ['keep_as_draft', 'mark_uncollectible', 'void']),
      resumes_at: pauseCollection.integer('resumes_at') ?? null,
    };
  }
  const cancelAtPeriodEnd = params.boolean('cancel_at_period_end');
  if (cancelAtPeriodEnd !== undefined) scheduleCancellation(subscription, cancelAtPeriodEnd, now);
  if (params.has('cancel_at')) {
    const cancelAt = params.string('cancel_at') === '' ? null : params.integer('cancel_at');
    subscription.cancel_at = cancelAt ?? null;
    subscription.canceled_at = cancelAt ? now : null;
    subscription.cancellation_details.reason = cancelAt ? 'cancellation_requested' : null;
  }
  if (cancellationDetails) {
    subscription.cancellation_details = { ...subscription.cancellation_details, ...cancellationDetails };
  }

  const itemResult = itemChanges
    ? changeItems(operation, subscription, itemChanges, { prorationBehavior, prorationDate })
    : { prorations: [], cycleReset: false };
  const trialEnd = params.string('trial_end');
  const endsTrial = trialEnd === 'now' && subscription.status === 'trialing';
  if (endsTrial) endTrialNow(operation, subscription);
  if (trialEnd !== undefined && trialEnd !== 'now') {
    moveTrialEnd(subscription, params.requiredInteger('trial_end', { min: now + 1 }));
  }

  operation.emitUpdated('customer.subscription.updated', before, subscription);

  const invoicesNow =
    endsTrial ||
    itemResult.cycleReset ||
    (prorationBehavior === 'always_invoice' && itemResult.prorations.length > 0);
  if (invoicesNow) {
    invoiceSubscriptionNow(operation, subscription, {
      includeRegularLines: endsTrial || itemResult.cycleReset,
      prorations: itemResult.prorations,
    });
  } else if (itemResult.prorations.length > 0) {
    addPendingProrations(store, subscription.id, itemResult.prorations);
  }
  return render(store, subscription);
}

function handleCancel({ pathParam, params, operation }: ApiRequest): SubscriptionObject {
  const subscription = requireSubscription(operation.store, pathParam('id'));
  params.rejectUnknown(['cancellation_details', 'invoice_now', 'prorate']);
  if (subscription.status === 'canceled') {
    throw invalidState(`This subscription has already been canceled.`);
  }
  cancelNow(operation, subscription, {
    comment: null,
    feedback: null,
    ...readCancellationDetails(params),
    reason: 'cancellation_requested',
  });
  return render(operation.store, subscription);
}

function handleList({ params, operation: { store } }: ApiRequest) {
  params.rejectUnknown([
    ...PAGINATION_PARAMS,
    'automatic_tax',
    'collection_method',
    'current_period_end',
    'current_period_start',
    'customer',
    'customer_account',
    'plan',
    'price',
    'status',
    'test_clock',
  ]);
  const customer = params.string('customer');
  const price = params.string('price') ?? params.string('plan');
  const status = params.oneOf('status', LIST_STATUSES);
  const matchesStatus = (actual: SubscriptionStatus): boolean => {
    if (status === 'all') return true;
    if (status === 'ended') return actual === 'canceled' || actual === 'incomplete_expired';
    // Without a status filter Stripe leaves canceled subscriptions out.
    if (status === undefined) return actual !== 'canceled';
    return actual === status;
  };
  return paginate(params, store.subscriptions.newestFirst(), {
    url: '/v1/subscriptions',
    resourceName: 'subscription',
    render: (subscription) => render(store, subscription),
    matches: (subscription) =>
      matchesStatus(subscription.status) &&
      (customer === undefined || subscription.customer === customer) &&
      (price === undefined || subscription.items.data.some((item) => item.price.id === price)),
  });
}

export const subscriptionRoutes: Route[] = [
  { method: 'POST', path: '/v1/subscriptions', handler: handleCreate },
  { method: 'GET', path: '/v1/subscriptions', handler: handleList },
  {
    method: 'GET',
    path: '/v1/subscriptions/:id',
    handler: ({ pathParam, params, operation: { store } }) => {
      params.rejectUnknown([]);
      return render(store, requireSubscription(store, pathParam('id')));
    },
  },
  { method: 'POST', path: '/v1/subscriptions/:id', handler: handleUpdate },
  { method: 'DELETE', path: '/v1/subscriptions/:id', handler: handleCancel },
  {
    method: 'POST',
    path: '/v1/subscriptions/:id/resume',
    handler: ({ pathParam, params, operation }) => {
      params.rejectUnknown([
        'billing_cycle_anchor',
        'payment_behavior',
        'proration_behavior',
        'proration_date',
      ]);
      const subscription = requireSubscription(operation.store, pathParam('id'));
      resume(operation, subscription, {});
      return render(operation.store, subscription);
    },
  },
];
