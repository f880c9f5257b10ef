import type Stripe from 'stripe';

/**
 * Shapes of the objects the double stores and returns. Each interface names only the fields the
 * double reads or writes; the rest of Stripe's shape comes from the fixture templates and is
 * carried by the index signature.
 */

export type Metadata = Record<string, string>;

export interface StripeObject {
  id: string;
  object: string;
  [field: string]: unknown;
}

export interface ListObject<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

export interface DeletedObject {
  id: string;
  object: string;
  deleted: true;
}

export interface CustomerObject extends StripeObject {
  object: 'customer';
  created: number;
  email: string | null;
  name: string | null;
  description: string | null;
  phone: string | null;
  balance: number;
  invoice_prefix: string;
  next_invoice_sequence: number;
  metadata: Metadata;
  invoice_settings: { default_payment_method: string | null; [field: string]: unknown };
  deleted?: true;
}

export interface ProductObject extends StripeObject {
  object: 'product';
  created: number;
  updated: number;
  active: boolean;
  name: string;
  description: string | null;
  default_price: string | null;
  metadata: Metadata;
}

export type RecurringInterval = 'day' | 'week' | 'month' | 'year';

export interface PriceRecurring {
  interval: RecurringInterval;
  interval_count: number;
  meter: string | null;
  trial_period_days: number | null;
  usage_type: Stripe.Price.Recurring.UsageType;
}

export interface PriceObject extends StripeObject {
  object: 'price';
  created: number;
  active: boolean;
  currency: string;
  product: string;
  unit_amount: number | null;
  unit_amount_decimal: string | null;
  recurring: PriceRecurring | null;
  type: Stripe.Price.Type;
  lookup_key: string | null;
  nickname: string | null;
  metadata: Metadata;
}

export type MeterFormula = 'count' | 'last' | 'sum';

/** A Billing Meter: what metered prices bill, fed by meter events named by its `event_name`. */
export interface MeterObject extends StripeObject {
  object: 'billing.meter';
  created: number;
  updated: number;
  display_name: string;
  event_name: string;
  status: 'active' | 'inactive';
  customer_mapping: { event_payload_key: string; type: 'by_id' };
  default_aggregation: { formula: MeterFormula };
  value_settings: { event_payload_key: string };
  event_time_window: 'day' | 'hour' | null;
}

/** A meter event as the API returns it. */
export interface MeterEventRecord {
  object: 'billing.meter_event';
  created: number;
  event_name: string;
  identifier: string;
  livemode: boolean;
  payload: Record<string, string>;
  timestamp: number;
}

/** A meter event as stored: Stripe's object has no id, so the double keys it by its `identifier`. */
export interface MeterEventObject extends StripeObject, MeterEventRecord {
  object: 'billing.meter_event';
}

export interface PlanObject extends StripeObject {
  object: 'plan';
  amount: number | null;
  interval: RecurringInterval;
  product: string;
}

export interface SubscriptionItemObject extends StripeObject {
  object: 'subscription_item';
  created: number;
  subscription: string;
  price: PriceObject;
  plan: PlanObject;
  quantity: number;
  metadata: Metadata;
  current_period_start: number;
  current_period_end: number;
}

export type SubscriptionStatus = Stripe.Subscription.Status;
export type MissingPaymentMethodBehavior = Stripe.Subscription.TrialSettings.EndBehavior.MissingPaymentMethod;

export interface CancellationDetails {
  comment: string | null;
  feedback: Stripe.Subscription.CancellationDetails.Feedback | null;
  reason: Stripe.Subscription.CancellationDetails.Reason | null;
}

/** Whether a payment made for the subscription saves its method as the subscription's default. */
export type SaveDefaultPaymentMethod = 'off' | 'on_subscription';

export interface SubscriptionPaymentSettings {
  payment_method_options: Record<string, unknown> | null;
  payment_method_types: string[] | null;
  save_default_payment_method: SaveDefaultPaymentMethod | null;
}

export interface SubscriptionObject extends StripeObject {
  object: 'subscription';
  created: number;
  customer: string;
  status: SubscriptionStatus;
  currency: string;
  items: ListObject<SubscriptionItemObject>;
  start_date: number;
  billing_cycle_anchor: number;
  cancel_at_period_end: boolean;
  cancel_at: number | null;
  canceled_at: number | null;
  ended_at: number | null;
  cancellation_details: CancellationDetails;
  trial_start: number | null;
  trial_end: number | null;
  trial_settings: { end_behavior: { missing_payment_method: MissingPaymentMethodBehavior } };
  payment_settings: SubscriptionPaymentSettings;
  latest_invoice: string | null;
  default_payment_method: string | null;
  description: string | null;
  pause_collection: { behavior: string; resumes_at: number | null } | null;
  metadata: Metadata;
}

export interface InvoiceLineItemObject extends StripeObject {
  object: 'line_item';
  amount: number;
  currency: string;
  description: string;
  invoice: string | null;
  quantity: number | null;
  period: { start: number; end: number };
  parent: {
    type: 'subscription_item_details';
    invoice_item_details: null;
    subscription_item_details: {
      invoice_item: string | null;
      proration: boolean;
      proration_details: { credited_items: null };
      subscription: string;
      subscription_item: string;
    };
  };
  pricing: {
    type: 'price_details';
    price_details: { price: string; product: string };
    unit_amount_decimal: string | null;
  };
  subtotal: number;
}

export type InvoiceStatus = Stripe.Invoice.Status;
export type InvoiceBillingReason = Stripe.Invoice.BillingReason;

export interface InvoiceObject extends StripeObject {
  object: 'invoice';
  created: number;
  customer: string;
  customer_email: string | null;
  customer_name: string | null;
  currency: string;
  status: InvoiceStatus;
  billing_reason: InvoiceBillingReason;
  amount_due: number;
  amount_paid: number;
  amount_remaining: number;
  subtotal: number;
  subtotal_excluding_tax: number;
  total: number;
  total_excluding_tax: number;
  starting_balance: number;
  ending_balance: number | null;
  attempt_count: number;
  attempted: boolean;
  next_payment_attempt: number | null;
  number: string | null;
  hosted_invoice_url: string | null;
  invoice_pdf: string | null;
  effective_at: number | null;
  period_start: number;
  period_end: number;
  lines: ListObject<InvoiceLineItemObject>;
  parent: {
    type: 'subscription_details';
    quote_details: null;
    subscription_details: {
      metadata: Metadata;
      subscription: string;
      /** Only on previews that prorate: the moment prorations were computed for. */
      subscription_proration_date?: number;
    };
  } | null;
  status_transitions: {
    finalized_at: number | null;
    marked_uncollectible_at: number | null;
    paid_at: number | null;
    voided_at: number | null;
  };
  metadata: Metadata;
}

export interface InvoicePaymentObject extends StripeObject {
  object: 'invoice_payment';
  invoice: string;
  amount_paid: number | null;
  amount_requested: number;
  status: string;
  payment: { type: 'payment_intent'; payment_intent: string };
  status_transitions: { canceled_at: number | null; paid_at: number | null };
}

export interface PaymentIntentObject extends StripeObject {
  object: 'payment_intent';
  created: number;
  amount: number;
  amount_received: number;
  currency: string;
  customer: string | null;
  status: Stripe.PaymentIntent.Status;
  latest_charge: string | null;
  payment_method: string | null;
  last_payment_error: Record<string, unknown> | null;
  metadata: Metadata;
}

export interface ChargeObject extends StripeObject {
  object: 'charge';
  created: number;
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  currency: string;
  customer: string | null;
  payment_intent: string | null;
  payment_method: string | null;
  paid: boolean;
  refunded: boolean;
  status: Stripe.Charge.Status;
  failure_code: string | null;
  failure_message: string | null;
  metadata: Metadata;
}

export interface RefundObject extends StripeObject {
  object: 'refund';
  created: number;
  amount: number;
  charge: string;
  payment_intent: string | null;
  currency: string;
  reason: Stripe.Refund.Reason | null;
  status: string;
  metadata: Metadata;
}

export type CheckoutMode = Stripe.Checkout.Session.Mode;

export interface CheckoutSessionObject extends StripeObject {
  object: 'checkout.session';
  created: number;
  expires_at: number;
  mode: CheckoutMode;
  status: Stripe.Checkout.Session.Status;
  payment_status: Stripe.Checkout.Session.PaymentStatus;
  customer: string | null;
  customer_email: string | null;
  customer_creation: Stripe.Checkout.Session.CustomerCreation | null;
  customer_details: Record<string, unknown> | null;
  client_reference_id: string | null;
  currency: string | null;
  amount_subtotal: number | null;
  amount_total: number | null;
  subscription: string | null;
  payment_intent: string | null;
  invoice: string | null;
  setup_intent: string | null;
  success_url: string | null;
  cancel_url: string | null;
  url: string | null;
  metadata: Metadata;
}

/** Checkout session parameters Stripe keeps but does not return on the session object. */
export interface CheckoutSessionExtras {
  lineItems: CheckoutLineItemObject[];
  subscriptionData: {
    metadata: Metadata;
    trialPeriodDays: number | null;
    trialEnd: number | null;
    description: string | null;
    missingPaymentMethod: MissingPaymentMethodBehavior | null;
  };
  paymentIntentData: { metadata: Metadata; description: string | null };
}

export interface CheckoutLineItemObject extends StripeObject {
  object: 'item';
  price: PriceObject;
  /** Null for a metered price: the meter says how much. */
  quantity: number | null;
  amount_subtotal: number;
  amount_total: number;
  currency: string;
  description: string;
}

export interface PortalSessionObject extends StripeObject {
  object: 'billing_portal.session';
  created: number;
  customer: string;
  return_url: string | null;
  url: string;
}

export interface EventRequestInfo {
  id: string | null;
  idempotency_key: string | null;
}

export interface EventObject extends StripeObject {
  object: 'event';
  api_version: string;
  created: number;
  data: { object: StripeObject; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: EventRequestInfo;
  type: Stripe.Event.Type;
}
