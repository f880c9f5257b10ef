import type { Operation } from '../operation';
import type { InvoiceObject, SubscriptionObject } from '../types';
import { attemptInvoicePayment, finalizeInvoice, subscriptionIdOf } from './invoices';
import { outcomeForPaymentMethod, type PaymentOutcome, type PaymentResult } from './payments';
import { cancelNow, paymentMethodFor } from './subscriptions';

export interface SettleOptions {
  outcome?: PaymentOutcome;
  finalAttempt?: boolean;
  /** What a failed payment does to an active subscription; Stripe's default is `past_due`. */
  statusAfterFailure?: 'past_due' | 'unpaid' | 'canceled';
}

/**
 * Finalizes (if needed) and charges an invoice, then moves its subscription to the status Stripe
 * would: paid → `active`, failed → `past_due` (or as configured), emitting
 * `customer.subscription.updated` when the status changes.
 */
export function settleInvoice(
  operation: Operation,
  invoice: InvoiceObject,
  options: SettleOptions = {},
): PaymentResult | null {
  const { store } = operation;
  if (invoice.status === 'draft') finalizeInvoice(operation, invoice);
  const subscriptionId = subscriptionIdOf(invoice);
  const subscription = subscriptionId ? store.subscriptions.get(subscriptionId) : undefined;
  let payment: PaymentResult | null = null;
  if (invoice.status === 'open') {
    const paymentMethod = subscription
      ? paymentMethodFor(store, subscription)
      : (store.customers.get(invoice.customer)?.invoice_settings.default_payment_method ?? null);
    payment = attemptInvoicePayment(
      operation,
      invoice,
      options.outcome ?? outcomeForPaymentMethod(paymentMethod),
      { paymentMethod, finalAttempt: options.finalAttempt },
    );
  }
  if (subscription && subscription.status !== 'canceled') {
    reflectPayment(operation, subscription, invoice, payment, options);
  }
  return payment;
}

function reflectPayment(
  operation: Operation,
  subscription: SubscriptionObject,
  invoice: InvoiceObject,
  payment: PaymentResult | null,
  options: SettleOptions,
): void {
  const before = operation.snapshot(subscription);
  const paid = invoice.status === 'paid';
  if (paid && ['incomplete', 'past_due', 'unpaid'].includes(subscription.status)) {
    subscription.status = 'active';
  }
  if (!paid && payment && subscription.status !== 'incomplete') {
    if (options.statusAfterFailure === 'canceled') {
      cancelNow(operation, subscription, { reason: 'payment_failed', comment: null, feedback: null });
      return;
    }
    subscription.status = options.statusAfterFailure ?? 'past_due';
  }
  operation.emitUpdated('customer.subscription.updated', before, subscription);
  if (payment) reflectOnCheckoutSession(operation, subscription.id, paid);
}

/** A Checkout session left `unpaid` by a delayed payment learns how that payment went. */
function reflectOnCheckoutSession(operation: Operation, subscriptionId: string, paid: boolean): void {
  const session = operation.store.checkoutSessions
    .all()
    .find(
      (candidate) =>
        candidate.subscription === subscriptionId &&
        candidate.status === 'complete' &&
        candidate.payment_status === 'unpaid',
    );
  if (!session) return;
  if (paid) session.payment_status = 'paid';
  operation.emit(
    paid ? 'checkout.session.async_payment_succeeded' : 'checkout.session.async_payment_failed',
    session,
  );
}
