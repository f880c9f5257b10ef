import type Stripe from 'stripe';
import { StripeApiError } from './api-error';
import {
  completeCheckoutSession,
  expireCheckoutSession,
  type CheckoutCompletion,
  type CheckoutCompletionOptions,
} from './billing/checkout';
import { advanceClock, type ClockScope } from './billing/clock';
import { subscriptionIdOf, voidInvoice } from './billing/invoices';
import { declined, refundCharge, type PaymentOutcome, PAYMENT_SUCCEEDS } from './billing/payments';
import { advancePeriod, pause, resume } from './billing/lifecycle';
import { settleInvoice } from './billing/settlement';
import { cancelNow, scheduleCancellation } from './billing/subscriptions';
import { AUTOMATIC_REQUEST, Operation, type DoubleSettings } from './operation';
import { render } from './render';
import { ScenarioError } from './scenario-error';
import type { Store } from './store';
import type {
  CancellationDetails,
  ChargeObject,
  CheckoutSessionObject,
  EventObject,
  InvoiceObject,
  RefundObject,
  SubscriptionObject,
} from './types';

/** Subscriptions that still have periods to renew (or to change). */
const RENEWABLE: SubscriptionObject['status'][] = ['active', 'trialing', 'past_due', 'unpaid'];

/** What every scenario returns besides its objects: the events it caused, in order. */
export interface ScenarioEvents {
  events: EventObject[];
  /** The first event of a type; throws if the scenario caused none. */
  event(type: Stripe.Event.Type): EventObject;
}

export type ScenarioResult<T> = T & ScenarioEvents;

/**
 * When a payment is attempted: `true`/`false` force the outcome, a decline code
 * (`insufficient_funds`) forces that decline, and leaving it out lets the payment method on file
 * decide (no payment method or a declining test card fails).
 */
export type PaymentOverride = boolean | string | undefined;

function outcomeFrom(override: PaymentOverride): PaymentOutcome | undefined {
  if (override === undefined) return undefined;
  if (override === true) return PAYMENT_SUCCEEDS;
  return declined(override === false ? 'generic_decline' : override);
}

/**
 * Things that happen at Stripe without the app asking: a customer paying on Checkout, a renewal,
 * a declined card, a cancellation from the customer portal. Each one changes the double's state,
 * records Stripe's events (so `GET /v1/events` sees them) and returns them for delivery.
 */
export class Scenarios {
  constructor(
    private readonly store: Store,
    private readonly settings: DoubleSettings,
  ) {}

  /** The customer pays (or starts a trial) on the Checkout page. */
  completeCheckoutSession(
    sessionId: string,
    options: CheckoutCompletionOptions = {},
  ): ScenarioResult<CheckoutCompletion> {
    return this.run((operation) => {
      const completion = completeCheckoutSession(operation, this.requireCheckoutSession(sessionId), options);
      return {
        session: this.rendered(completion.session),
        customer: this.rendered(completion.customer),
        subscription: this.rendered(completion.subscription),
        invoice: this.rendered(completion.invoice),
        paymentIntent: this.rendered(completion.paymentIntent),
        charge: this.rendered(completion.charge),
      };
    });
  }

  /**
   * Another paid session like a completed one (same customer, line items and amount), under the
   * given ids, without events: for load tests that need many distinct paid purchases cheaply.
   */
  repeatPaidCheckoutSession(sessionId: string, ids: { session: string; paymentIntent: string }): void {
    const session = this.requireCheckoutSession(sessionId);
    if (session.payment_status !== 'paid') {
      throw new ScenarioError(`Checkout session ${sessionId} is ${session.payment_status}, not paid`);
    }
    this.store.checkoutSessions.insert({ ...session, id: ids.session, payment_intent: ids.paymentIntent });
    const extras = this.store.checkoutSessionExtras.get(sessionId);
    if (extras) this.store.checkoutSessionExtras.set(ids.session, extras);
  }

  /** The customer never came back: the session expires (`checkout.session.expired`). */
  expireCheckoutSession(sessionId: string): ScenarioResult<{ session: CheckoutSessionObject }> {
    return this.run((operation) => {
      const session = this.requireCheckoutSession(sessionId);
      if (session.status !== 'open') {
        throw new ScenarioError(`Checkout session ${sessionId} is ${session.status}, not open`);
      }
      expireCheckoutSession(operation, session);
      return { session: this.rendered(session) };
    });
  }

  /** An open invoice gets paid (a retry succeeds, a delayed payment clears). */
  payInvoice(invoiceId: string): ScenarioResult<{
    invoice: InvoiceObject;
    subscription: SubscriptionObject | null;
  }> {
    return this.run((operation) => {
      const invoice = this.requireOpenInvoice(invoiceId);
      settleInvoice(operation, invoice, { outcome: PAYMENT_SUCCEEDS });
      return { invoice: this.rendered(invoice), subscription: this.subscriptionOf(invoice) };
    });
  }

  /**
   * A payment attempt on an open invoice is declined: `invoice.payment_failed`, and an active
   * subscription becomes `past_due`. With `finalAttempt`, retries are exhausted and the subscription
   * ends up as `subscriptionStatus` (Stripe's "if all retries fail" setting).
   */
  failInvoicePayment(
    invoiceId: string,
    options: {
      declineCode?: string;
      finalAttempt?: boolean;
      subscriptionStatus?: 'past_due' | 'unpaid' | 'canceled';
    } = {},
  ): ScenarioResult<{ invoice: InvoiceObject; subscription: SubscriptionObject | null }> {
    return this.run((operation) => {
      const invoice = this.requireOpenInvoice(invoiceId);
      settleInvoice(operation, invoice, {
        outcome: declined(options.declineCode),
        finalAttempt: options.finalAttempt,
        statusAfterFailure: options.finalAttempt ? options.subscriptionStatus : 'past_due',
      });
      return { invoice: this.rendered(invoice), subscription: this.subscriptionOf(invoice) };
    });
  }

  /** An open invoice is voided in the Dashboard: `invoice.voided`, `invoice.updated`. */
  voidInvoice(invoiceId: string): ScenarioResult<{ invoice: InvoiceObject }> {
    return this.run((operation) => {
      const invoice = this.requireOpenInvoice(invoiceId);
      voidInvoice(operation, invoice);
      return { invoice: this.rendered(invoice) };
    });
  }

  /**
   * The current period ends: a scheduled cancellation takes effect, a trial ends, or the next
   * period starts with a `subscription_cycle` invoice that is charged.
   */
  renewSubscription(
    subscriptionId: string,
    options: { paymentSucceeds?: PaymentOverride } = {},
  ): ScenarioResult<{ subscription: SubscriptionObject; invoice: InvoiceObject | null }> {
    return this.run((operation) => {
      const subscription = this.requireSubscription(subscriptionId, RENEWABLE);
      const { invoice } = advancePeriod(operation, subscription, {
        outcome: outcomeFrom(options.paymentSucceeds),
      });
      return { subscription: this.rendered(subscription), invoice: this.rendered(invoice) };
    });
  }

  /** The customer cancels in the portal: the subscription runs until the period ends. */
  cancelAtPeriodEnd(
    subscriptionId: string,
    details: { comment?: string; feedback?: CancellationDetails['feedback'] } = {},
  ): ScenarioResult<{ subscription: SubscriptionObject }> {
    return this.updateSubscription(subscriptionId, (subscription, now) => {
      scheduleCancellation(subscription, true, now);
      subscription.cancellation_details = {
        ...subscription.cancellation_details,
        comment: details.comment ?? null,
        feedback: details.feedback ?? null,
      };
    });
  }

  /** The customer changes their mind in the portal before the period ends. */
  undoCancelAtPeriodEnd(subscriptionId: string): ScenarioResult<{ subscription: SubscriptionObject }> {
    return this.updateSubscription(subscriptionId, (subscription, now) => {
      scheduleCancellation(subscription, false, now);
      subscription.cancellation_details = { comment: null, feedback: null, reason: null };
    });
  }

  /** The subscription ends now (canceled in the Dashboard, or by dunning). */
  deleteSubscription(
    subscriptionId: string,
    options: { reason?: CancellationDetails['reason'] } = {},
  ): ScenarioResult<{ subscription: SubscriptionObject }> {
    return this.run((operation) => {
      const subscription = this.requireSubscription(subscriptionId);
      cancelNow(operation, subscription, {
        ...subscription.cancellation_details,
        reason: options.reason ?? 'cancellation_requested',
      });
      return { subscription: this.rendered(subscription) };
    });
  }

  /** The subscription moves to `paused` (a trial ended without a payment method). */
  pauseSubscription(subscriptionId: string): ScenarioResult<{ subscription: SubscriptionObject }> {
    return this.run((operation) => {
      const subscription = this.requireSubscription(subscriptionId, ['active', 'trialing', 'past_due']);
      pause(operation, subscription);
      return { subscription: this.rendered(subscription) };
    });
  }

  /** A paused subscription resumes: a new period starts now and is invoiced. */
  resumeSubscription(
    subscriptionId: string,
    options: { paymentSucceeds?: PaymentOverride } = {},
  ): ScenarioResult<{ subscription: SubscriptionObject; invoice: InvoiceObject | null }> {
    return this.run((operation) => {
      const subscription = this.requireSubscription(subscriptionId, ['paused']);
      const { invoice } = resume(operation, subscription, {
        outcome: outcomeFrom(options.paymentSucceeds),
      });
      return { subscription: this.rendered(subscription), invoice: this.rendered(invoice) };
    });
  }

  /** Stripe's three-days-before notice for a trialing subscription. */
  trialWillEnd(subscriptionId: string): ScenarioResult<{ subscription: SubscriptionObject }> {
    return this.run((operation) => {
      const subscription = this.requireSubscription(subscriptionId, ['trialing']);
      operation.emit('customer.subscription.trial_will_end', subscription);
      return { subscription: this.rendered(subscription) };
    });
  }

  /**
   * Time passes at Stripe, as when a test clock is advanced: trial notices three days before a trial
   * ends, trials ending (canceled without a payment method when `trial_settings` say so, else active
   * and invoiced), renewals and scheduled cancellations fall due in time order. The clock stays moved.
   * `{ customer }` limits it to that customer's subscriptions, like a test clock of its own.
   */
  advanceClock(
    seconds: number,
    scope: ClockScope = {},
  ): ScenarioResult<{ subscriptions: SubscriptionObject[] }> {
    if (!Number.isInteger(seconds) || seconds <= 0) {
      throw new ScenarioError(`advanceClock takes a positive whole number of seconds, not ${seconds}`);
    }
    return this.run((operation) => ({
      subscriptions: advanceClock(operation, this.settings.clock, seconds, scope).map((subscription) =>
        this.rendered(subscription),
      ),
    }));
  }

  /** A refund from the Dashboard: `charge.refunded` and `refund.created`. */
  refundCharge(
    chargeId: string,
    options: { amount?: number; reason?: RefundObject['reason'] } = {},
  ): ScenarioResult<{ charge: ChargeObject; refund: RefundObject }> {
    return this.run((operation) => {
      const charge = this.store.charges.get(chargeId);
      if (!charge) throw new ScenarioError(`No such charge: ${chargeId}`);
      const refund = refundCharge(operation, charge, options);
      return { charge: this.rendered(charge), refund: this.rendered(refund) };
    });
  }

  private updateSubscription(
    subscriptionId: string,
    change: (subscription: SubscriptionObject, now: number) => void,
  ): ScenarioResult<{ subscription: SubscriptionObject }> {
    return this.run((operation) => {
      const subscription = this.requireSubscription(subscriptionId, [...RENEWABLE, 'paused']);
      const before = operation.snapshot(subscription);
      change(subscription, operation.now());
      operation.emitUpdated('customer.subscription.updated', before, subscription);
      return { subscription: this.rendered(subscription) };
    });
  }

  /** Runs a scenario atomically: if it fails, the double is left as it was. */
  private run<T extends object>(drive: (operation: Operation) => T): ScenarioResult<T> {
    const checkpoint = this.store.checkpoint();
    const operation = new Operation(this.store, this.settings, AUTOMATIC_REQUEST);
    let result: T;
    try {
      result = drive(operation);
    } catch (error) {
      this.store.rollback(checkpoint);
      if (error instanceof StripeApiError) throw new ScenarioError(error.message);
      throw error;
    }
    const events = operation.events.map((event) => render(this.store, event));
    return {
      ...result,
      events,
      event: (type) => {
        const found = events.find((event) => event.type === type);
        if (!found) {
          throw new ScenarioError(
            `No ${type} event; this scenario emitted: ${events.map((event) => event.type).join(', ')}`,
          );
        }
        return found;
      },
    };
  }

  private rendered<T extends { id: string; object: string }>(object: T): T;
  private rendered<T extends { id: string; object: string }>(object: T | null): T | null;
  private rendered<T extends { id: string; object: string }>(object: T | null): T | null {
    return object ? render(this.store, object) : null;
  }

  private requireCheckoutSession(id: string): CheckoutSessionObject {
    const session = this.store.checkoutSessions.get(id);
    if (!session) throw new ScenarioError(`No such checkout session: ${id}`);
    return session;
  }

  private requireOpenInvoice(id: string): InvoiceObject {
    const invoice = this.store.invoices.get(id);
    if (!invoice) throw new ScenarioError(`No such invoice: ${id}`);
    if (invoice.status !== 'open') {
      throw new ScenarioError(`Invoice ${id} is ${invoice.status}; only open invoices take payments`);
    }
    return invoice;
  }

  private requireSubscription(
    id: string,
    allowedStatuses?: SubscriptionObject['status'][],
  ): SubscriptionObject {
    const subscription = this.store.subscriptions.get(id);
    if (!subscription) throw new ScenarioError(`No such subscription: ${id}`);
    if (
      subscription.status === 'canceled' ||
      (allowedStatuses && !allowedStatuses.includes(subscription.status))
    ) {
      throw new ScenarioError(`Subscription ${id} is ${subscription.status}`);
    }
    return subscription;
  }

  private subscriptionOf(invoice: InvoiceObject): SubscriptionObject | null {
    const id = subscriptionIdOf(invoice);
    return this.rendered(id ? (this.store.subscriptions.get(id) ?? null) : null);
  }
}
