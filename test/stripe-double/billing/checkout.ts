import { newCustomer } from './customers';
import { newId } from '../ids';
import type { Operation } from '../operation';
import { ScenarioError } from '../scenario-error';
import { SECONDS_PER_DAY } from '../time';
import type {
  ChargeObject,
  CheckoutSessionExtras,
  CheckoutSessionObject,
  CustomerObject,
  InvoiceObject,
  PaymentIntentObject,
  SubscriptionObject,
} from '../types';
import { awaitInvoiceAuthentication } from './invoices';
import { collectPayment, PAYMENT_SUCCEEDS } from './payments';
import { createSubscription } from './subscriptions';

export type CheckoutSubscriptionStatus = 'active' | 'trialing' | 'incomplete';

export interface CheckoutCompletionOptions {
  /**
   * Subscription mode only. `active`: the first invoice is paid by card. `trialing`: the session's
   * trial (or `trialPeriodDays`) starts. `incomplete`: a delayed payment method (SEPA, ACH) is
   * still processing, so the session completes `unpaid`; settle it with `payInvoice` or
   * `failInvoicePayment`. Defaults to `trialing` when the session has a trial, else `active`.
   */
  subscriptionStatus?: CheckoutSubscriptionStatus;
  trialPeriodDays?: number;
  /**
   * With `subscriptionStatus: 'incomplete'`: the card's bank asks for 3-D Secure and the customer
   * never authenticates, so the first invoice stays open with its PaymentIntent in `requires_action`
   * (`invoice.payment_action_required`) until Stripe gives up on it (`incomplete_expired`, a day later).
   */
  abandonAuthentication?: boolean;
  /** Who fills in the Checkout page; defaults to the session's customer or Jenny Rosen. */
  email?: string;
  name?: string;
  /** The payment method the customer enters; defaults to a new card id. */
  paymentMethod?: string;
}

export interface CheckoutCompletion {
  session: CheckoutSessionObject;
  customer: CustomerObject | null;
  subscription: SubscriptionObject | null;
  invoice: InvoiceObject | null;
  paymentIntent: PaymentIntentObject | null;
  charge: ChargeObject | null;
}

function createCheckoutCustomer(operation: Operation, email: string, name: string): CustomerObject {
  const customer = newCustomer(operation, { email, name });
  operation.store.customers.insert(customer);
  operation.emit('customer.created', customer);
  return customer;
}

function trialEndFor(
  operation: Operation,
  extras: CheckoutSessionExtras,
  options: CheckoutCompletionOptions,
): number | null {
  const days = options.trialPeriodDays ?? extras.subscriptionData.trialPeriodDays;
  if (days) return operation.now() + days * SECONDS_PER_DAY;
  return extras.subscriptionData.trialEnd;
}

/** What Stripe does when a customer pays on the Checkout page; emits `checkout.session.completed`. */
export function completeCheckoutSession(
  operation: Operation,
  session: CheckoutSessionObject,
  options: CheckoutCompletionOptions,
): CheckoutCompletion {
  const { store } = operation;
  if (session.status !== 'open') {
    throw new ScenarioError(`Checkout session ${session.id} is ${session.status}, not open`);
  }
  const extras = store.checkoutSessionExtras.get(session.id);
  if (!extras) throw new ScenarioError(`Checkout session ${session.id} has no line items`);

  const existingCustomer = session.customer ? (store.customers.get(session.customer) ?? null) : null;
  const email =
    options.email ?? session.customer_email ?? existingCustomer?.email ?? 'jenny.rosen@example.com';
  const name = options.name ?? existingCustomer?.name ?? 'Jenny Rosen';
  const createsCustomer =
    !existingCustomer && (session.mode === 'subscription' || session.customer_creation === 'always');
  const customer =
    existingCustomer ?? (createsCustomer ? createCheckoutCustomer(operation, email, name) : null);
  const paymentMethod = options.paymentMethod ?? newId('pm');
  const completion: CheckoutCompletion = {
    session,
    customer,
    subscription: null,
    invoice: null,
    paymentIntent: null,
    charge: null,
  };

  if (session.mode === 'subscription') {
    if (!customer) throw new Error('Subscription mode always has a customer');
    const trialEnd = trialEndFor(operation, extras, options);
    const status = options.subscriptionStatus ?? (trialEnd ? 'trialing' : 'active');
    if (status === 'trialing' && !trialEnd) {
      throw new ScenarioError(
        `Checkout session ${session.id} has no trial; pass trialPeriodDays to complete it as trialing`,
      );
    }
    const { subscription, invoice } = createSubscription(operation, {
      customer,
      items: extras.lineItems.map((item) => ({
        price: store.prices.get(item.price.id) ?? item.price,
        quantity: item.quantity ?? 0,
        metadata: {},
      })),
      metadata: extras.subscriptionData.metadata,
      description: extras.subscriptionData.description,
      defaultPaymentMethod: paymentMethod,
      trialEnd: status === 'trialing' ? trialEnd : null,
      missingPaymentMethod: extras.subscriptionData.missingPaymentMethod ?? 'create_invoice',
      cancelAtPeriodEnd: false,
      paymentBehavior: status === 'incomplete' ? 'default_incomplete' : 'allow_incomplete',
      paymentOutcome: PAYMENT_SUCCEEDS,
    });
    if (options.abandonAuthentication) {
      if (status !== 'incomplete' || !invoice) {
        throw new ScenarioError(
          'abandonAuthentication needs subscriptionStatus: incomplete and an amount due',
        );
      }
      completion.paymentIntent = awaitInvoiceAuthentication(operation, invoice, paymentMethod);
    }
    completion.subscription = subscription;
    completion.invoice = invoice;
    session.subscription = subscription.id;
    session.invoice = invoice?.id ?? null;
    session.payment_status =
      status === 'incomplete'
        ? 'unpaid'
        : invoice && invoice.amount_paid > 0
          ? 'paid'
          : 'no_payment_required';
  } else if (session.mode === 'payment') {
    const payment = collectPayment(operation, {
      amount: session.amount_total ?? 0,
      currency: session.currency ?? 'usd',
      customer,
      paymentMethod,
      description: extras.paymentIntentData.description,
      metadata: extras.paymentIntentData.metadata,
      outcome: PAYMENT_SUCCEEDS,
    });
    completion.paymentIntent = payment.paymentIntent;
    completion.charge = payment.charge;
    session.payment_intent = payment.paymentIntent.id;
    session.payment_status = 'paid';
  } else {
    session.setup_intent = newId('seti');
  }

  session.status = 'complete';
  session.url = null;
  session.customer = customer?.id ?? null;
  session.customer_details = {
    address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
    business_name: null,
    email,
    individual_name: null,
    name,
    phone: null,
    tax_exempt: 'none',
    tax_ids: [],
  };
  operation.emit('checkout.session.completed', session);
  return completion;
}

export function expireCheckoutSession(operation: Operation, session: CheckoutSessionObject): void {
  session.status = 'expired';
  session.url = null;
  operation.emit('checkout.session.expired', session);
}
