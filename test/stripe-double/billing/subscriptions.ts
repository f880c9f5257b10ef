import { cardDeclined, invalidState } from '../api-error';
import { fromTemplate } from '../fixtures';
import { newId } from '../ids';
import type { Operation } from '../operation';
import { planFromPrice } from '../render';
import type { Store } from '../store';
import { addInterval, SECONDS_PER_DAY } from '../time';
import type {
  CancellationDetails,
  CustomerObject,
  InvoiceBillingReason,
  InvoiceLineItemObject,
  InvoiceObject,
  Metadata,
  MissingPaymentMethodBehavior,
  PriceObject,
  SubscriptionItemObject,
  SubscriptionObject,
  SubscriptionPaymentSettings,
  SubscriptionStatus,
} from '../types';
import {
  attemptInvoicePayment,
  describeLine,
  draftInvoice,
  finalizeInvoice,
  subscriptionLineItem,
} from './invoices';
import { outcomeForPaymentMethod, type PaymentOutcome, type PaymentResult } from './payments';

/** A subscription has at least one item: Stripe, and the double, refuse to leave it with none. */
export function firstItem<Item>(items: readonly Item[]): Item {
  const [first] = items;
  if (first === undefined) throw new Error('A subscription without items: the double let one through');
  return first;
}

/** Stripe sends `customer.subscription.trial_will_end` three days before a trial ends. */
const TRIAL_WILL_END_NOTICE_SECONDS = 3 * SECONDS_PER_DAY;

export type PaymentBehavior =
  'allow_incomplete' | 'default_incomplete' | 'error_if_incomplete' | 'pending_if_incomplete';

export type ProrationBehavior = 'always_invoice' | 'create_prorations' | 'none';

export interface NewSubscriptionItem {
  price: PriceObject;
  quantity: number;
  metadata: Metadata;
}

export interface NewSubscription {
  customer: CustomerObject;
  items: NewSubscriptionItem[];
  metadata: Metadata;
  description: string | null;
  defaultPaymentMethod: string | null;
  trialEnd: number | null;
  missingPaymentMethod: MissingPaymentMethodBehavior;
  /** Over Stripe's defaults (nothing saved, payment method types left to Stripe). */
  paymentSettings?: Partial<SubscriptionPaymentSettings>;
  cancelAtPeriodEnd: boolean;
  paymentBehavior: PaymentBehavior;
  /** Overrides what the payment method on file would do. */
  paymentOutcome?: PaymentOutcome;
}

export function productName(store: Store, price: PriceObject): string {
  return store.products.get(price.product)?.name ?? price.product;
}

export function paymentMethodFor(store: Store, subscription: SubscriptionObject): string | null {
  return (
    subscription.default_payment_method ??
    store.customers.get(subscription.customer)?.invoice_settings.default_payment_method ??
    null
  );
}

export function newItem(
  subscriptionId: string,
  spec: NewSubscriptionItem,
  period: { start: number; end: number },
  created: number,
): SubscriptionItemObject {
  return fromTemplate<SubscriptionItemObject>('subscriptionItem', {
    id: newId('si'),
    object: 'subscription_item',
    created,
    subscription: subscriptionId,
    price: structuredClone(spec.price),
    plan: planFromPrice(spec.price),
    quantity: spec.quantity,
    metadata: spec.metadata,
    current_period_start: period.start,
    current_period_end: period.end,
  });
}

export function nextPeriodEnd(price: PriceObject, start: number): number {
  const recurring = price.recurring;
  if (!recurring) throw new Error(`Price ${price.id} is not recurring`);
  return addInterval(start, recurring.interval, recurring.interval_count);
}

export function currentPeriodEnd(subscription: SubscriptionObject): number {
  return Math.max(...subscription.items.data.map((item) => item.current_period_end));
}

export function itemAmount(item: { price: PriceObject; quantity: number }): number {
  return (item.price.unit_amount ?? 0) * item.quantity;
}

export function regularLines(
  store: Store,
  subscription: SubscriptionObject,
  zeroAmountDescription?: (name: string) => string,
): InvoiceLineItemObject[] {
  return subscription.items.data.map((item) => {
    const name = productName(store, item.price);
    return subscriptionLineItem(subscription, {
      item,
      amount: zeroAmountDescription ? 0 : itemAmount(item),
      quantity: item.quantity,
      description: zeroAmountDescription ? zeroAmountDescription(name) : describeLine(name, item),
      period: { start: item.current_period_start, end: item.current_period_end },
      proration: false,
    });
  });
}

export interface SubscriptionBilling {
  subscription: SubscriptionObject;
  invoice: InvoiceObject | null;
  payment: PaymentResult | null;
}

/**
 * Creates a subscription and its first invoice. The outcome of the first payment is known before
 * anything is stored, so `customer.subscription.created` already shows the resulting status, and a
 * payment that must not leave an incomplete subscription fails without side effects.
 */
export function createSubscription(operation: Operation, spec: NewSubscription): SubscriptionBilling {
  const { store } = operation;
  const now = operation.now();
  const trialing = spec.trialEnd !== null && spec.trialEnd > now;
  const paymentMethod = spec.defaultPaymentMethod ?? spec.customer.invoice_settings.default_payment_method;
  const firstAmount = trialing ? 0 : spec.items.reduce((sum, item) => sum + itemAmount(item), 0);

  const collectsNow = firstAmount > 0 && spec.paymentBehavior !== 'default_incomplete';
  const outcome = collectsNow ? (spec.paymentOutcome ?? outcomeForPaymentMethod(paymentMethod)) : null;
  if (outcome?.kind === 'no_payment_method') {
    throw invalidState(
      'This customer has no attached payment source or default payment method. Please consider adding a default payment method. For more information, visit https://stripe.com/docs/billing/subscriptions/payment-methods-setting#payment-method-priority.',
    );
  }
  if (outcome?.kind === 'declined' && spec.paymentBehavior === 'error_if_incomplete') {
    throw cardDeclined(outcome.declineCode, outcome.message, {
      charge: newId('ch'),
      payment_intent: { id: newId('pi'), object: 'payment_intent', status: 'requires_payment_method' },
    });
  }
  const status: SubscriptionStatus = trialing
    ? 'trialing'
    : firstAmount === 0 || outcome?.kind === 'succeeds'
      ? 'active'
      : 'incomplete';

  const subscriptionId = newId('sub');
  const invoiceId = newId('in');
  const items = spec.items.map((item) =>
    newItem(
      subscriptionId,
      item,
      { start: now, end: trialing ? (spec.trialEnd as number) : nextPeriodEnd(item.price, now) },
      now,
    ),
  );
  const periodEnd = Math.max(...items.map((item) => item.current_period_end));
  const subscription = store.subscriptions.insert(
    fromTemplate<SubscriptionObject>('subscription', {
      id: subscriptionId,
      object: 'subscription',
      created: now,
      customer: spec.customer.id,
      status,
      currency: firstItem(spec.items).price.currency,
      items: {
        object: 'list',
        data: items,
        has_more: false,
        url: `/v1/subscription_items?subscription=${subscriptionId}`,
      },
      start_date: now,
      billing_cycle_anchor: trialing ? periodEnd : now,
      cancel_at_period_end: spec.cancelAtPeriodEnd,
      cancel_at: spec.cancelAtPeriodEnd ? periodEnd : null,
      canceled_at: spec.cancelAtPeriodEnd ? now : null,
      ended_at: null,
      cancellation_details: {
        comment: null,
        feedback: null,
        reason: spec.cancelAtPeriodEnd ? 'cancellation_requested' : null,
      },
      trial_start: trialing ? now : null,
      trial_end: trialing ? periodEnd : null,
      trial_settings: { end_behavior: { missing_payment_method: spec.missingPaymentMethod } },
      payment_settings: {
        payment_method_options: null,
        payment_method_types: null,
        save_default_payment_method: 'off',
        ...spec.paymentSettings,
      },
      latest_invoice: invoiceId,
      default_payment_method: spec.defaultPaymentMethod,
      description: spec.description,
      pause_collection: null,
      metadata: spec.metadata,
    }),
  );
  operation.emit('customer.subscription.created', subscription);

  const invoice = draftInvoice(operation, {
    id: invoiceId,
    customer: spec.customer,
    subscription,
    billingReason: 'subscription_create',
    lines: regularLines(store, subscription, trialing ? (name) => `Trial period for ${name}` : undefined),
    periodStart: now,
    periodEnd: now,
  });
  finalizeInvoice(operation, invoice);
  const payment = outcome ? attemptInvoicePayment(operation, invoice, outcome, { paymentMethod }) : null;
  if (trialing && periodEnd - now <= TRIAL_WILL_END_NOTICE_SECONDS) {
    operation.emit('customer.subscription.trial_will_end', subscription);
  }
  return { subscription, invoice, payment };
}

/** Starts an invoice for a subscription and makes it the subscription's `latest_invoice`. */
export function startSubscriptionInvoice(
  operation: Operation,
  subscription: SubscriptionObject,
  billingReason: InvoiceBillingReason,
  lines: InvoiceLineItemObject[],
  period: { start: number; end: number },
): InvoiceObject {
  const customer = operation.store.customers.get(subscription.customer);
  if (!customer) throw new Error(`Subscription ${subscription.id} has no customer`);
  const invoice = draftInvoice(operation, {
    customer,
    subscription,
    billingReason,
    lines,
    periodStart: period.start,
    periodEnd: period.end,
  });
  subscription.latest_invoice = invoice.id;
  return invoice;
}

/** Ends a subscription immediately and emits `customer.subscription.deleted`. */
export function cancelNow(
  operation: Operation,
  subscription: SubscriptionObject,
  details: CancellationDetails,
): void {
  const now = operation.now();
  subscription.status = 'canceled';
  subscription.canceled_at ??= now;
  subscription.ended_at = now;
  subscription.cancellation_details = { ...details };
  operation.store.pendingProrations.delete(subscription.id);
  operation.emit('customer.subscription.deleted', subscription);
}

export function scheduleCancellation(
  subscription: SubscriptionObject,
  cancelAtPeriodEnd: boolean,
  now: number,
): void {
  subscription.cancel_at_period_end = cancelAtPeriodEnd;
  subscription.cancel_at = cancelAtPeriodEnd ? currentPeriodEnd(subscription) : null;
  subscription.canceled_at = cancelAtPeriodEnd ? now : null;
  subscription.cancellation_details = {
    ...subscription.cancellation_details,
    reason: cancelAtPeriodEnd ? 'cancellation_requested' : null,
  };
}

export function restartPeriods(subscription: SubscriptionObject, start: number): void {
  for (const item of subscription.items.data) {
    item.current_period_start = start;
    item.current_period_end = nextPeriodEnd(item.price, start);
  }
}

export function takePendingProrations(store: Store, subscriptionId: string): InvoiceLineItemObject[] {
  const pending = store.pendingProrations.get(subscriptionId) ?? [];
  store.pendingProrations.delete(subscriptionId);
  return pending;
}

export function addPendingProrations(
  store: Store,
  subscriptionId: string,
  lines: InvoiceLineItemObject[],
): void {
  store.pendingProrations.set(subscriptionId, [
    ...(store.pendingProrations.get(subscriptionId) ?? []),
    ...lines,
  ]);
}
