import { invalidState, invalidValue } from '../api-error';
import type { Operation } from '../operation';
import type { SubscriptionObject } from '../types';
import { holdInvoice, liftEndedCollectionPause } from './collection-pause';
import { settleInvoice, type SettleOptions } from './settlement';
import {
  cancelNow,
  currentPeriodEnd,
  firstItem,
  paymentMethodFor,
  regularLines,
  restartPeriods,
  startSubscriptionInvoice,
  takePendingProrations,
  type SubscriptionBilling,
} from './subscriptions';

/** Ends a trial now (`trial_end=now`): the first paid period starts and is invoiced. */
export function endTrialNow(operation: Operation, subscription: SubscriptionObject): void {
  const now = operation.now();
  subscription.trial_end = now;
  subscription.billing_cycle_anchor = now;
  restartPeriods(subscription, now);
  subscription.status = 'active';
}

/** Extends or shortens a trial (`trial_end=<timestamp>`); the first paid period starts then. */
export function moveTrialEnd(subscription: SubscriptionObject, trialEnd: number): void {
  if (subscription.status !== 'trialing') {
    throw invalidValue('trial_end', 'Only a trialing subscription can have its trial end changed.');
  }
  subscription.trial_end = trialEnd;
  subscription.billing_cycle_anchor = trialEnd;
  for (const item of subscription.items.data) item.current_period_end = trialEnd;
}

/**
 * What happens when the current period ends: a scheduled cancellation takes effect, a trial ends
 * (pausing or canceling when there is no payment method and the trial settings say so), or a new
 * period starts and is invoiced with any pending prorations.
 */
export function advancePeriod(
  operation: Operation,
  subscription: SubscriptionObject,
  options: SettleOptions,
): SubscriptionBilling {
  const { store } = operation;
  const periodEnd = currentPeriodEnd(subscription);
  if (
    subscription.cancel_at_period_end ||
    (subscription.cancel_at !== null && subscription.cancel_at <= periodEnd)
  ) {
    cancelNow(operation, subscription, {
      ...subscription.cancellation_details,
      reason: subscription.cancellation_details.reason ?? 'cancellation_requested',
    });
    return { subscription, invoice: null, payment: null };
  }

  const before = operation.snapshot(subscription);
  const trialEnding = subscription.status === 'trialing';
  if (trialEnding && !paymentMethodFor(store, subscription) && options.outcome === undefined) {
    const behavior = subscription.trial_settings.end_behavior.missing_payment_method;
    if (behavior === 'cancel') {
      cancelNow(operation, subscription, { reason: null, comment: null, feedback: null });
      return { subscription, invoice: null, payment: null };
    }
    if (behavior === 'pause') {
      pause(operation, subscription);
      return { subscription, invoice: null, payment: null };
    }
  }

  liftEndedCollectionPause(subscription, periodEnd);
  restartPeriods(subscription, periodEnd);
  if (trialEnding) subscription.status = 'active';
  const lines = [...takePendingProrations(store, subscription.id), ...regularLines(store, subscription)];
  const invoice = startSubscriptionInvoice(operation, subscription, 'subscription_cycle', lines, {
    start: firstItem(before.items.data).current_period_start,
    end: periodEnd,
  });
  operation.emitUpdated('customer.subscription.updated', before, subscription);
  const collectionPause = subscription.pause_collection?.behavior;
  if (collectionPause) {
    holdInvoice(operation, invoice, collectionPause);
    return { subscription, invoice, payment: null };
  }
  const payment = settleInvoice(operation, invoice, options);
  return { subscription, invoice, payment };
}

/** Stripe's `paused` status (a trial that ended without a payment method). */
export function pause(operation: Operation, subscription: SubscriptionObject): void {
  const before = operation.snapshot(subscription);
  subscription.status = 'paused';
  operation.emit('customer.subscription.paused', subscription);
  operation.emitUpdated('customer.subscription.updated', before, subscription);
}

/** `POST /v1/subscriptions/:id/resume`: a new period starts now and is invoiced. */
export function resume(
  operation: Operation,
  subscription: SubscriptionObject,
  options: SettleOptions,
): SubscriptionBilling {
  if (subscription.status !== 'paused') {
    throw invalidState(`Subscription ${subscription.id} cannot be resumed because it is not paused.`);
  }
  const now = operation.now();
  const before = operation.snapshot(subscription);
  subscription.status = 'active';
  subscription.billing_cycle_anchor = now;
  restartPeriods(subscription, now);
  const invoice = startSubscriptionInvoice(
    operation,
    subscription,
    'subscription_update',
    regularLines(operation.store, subscription),
    { start: now, end: now },
  );
  operation.emit('customer.subscription.resumed', subscription);
  operation.emitUpdated('customer.subscription.updated', before, subscription);
  const payment = settleInvoice(operation, invoice, options);
  return { subscription, invoice, payment };
}
