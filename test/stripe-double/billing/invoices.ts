import { fromTemplate } from '../fixtures';
import { newId, randomChars } from '../ids';
import type { Operation } from '../operation';
import { SECONDS_PER_DAY } from '../time';
import type {
  CustomerObject,
  InvoiceBillingReason,
  InvoiceLineItemObject,
  InvoiceObject,
  InvoicePaymentObject,
  PaymentIntentObject,
  SubscriptionItemObject,
  SubscriptionObject,
} from '../types';
import {
  collectPayment,
  formatAmount,
  startPaymentRequiringAction,
  type PaymentOutcome,
  type PaymentResult,
} from './payments';

/** Smart Retries' default: the next attempt a few days after a failed one. */
const RETRY_DELAY_SECONDS = 3 * SECONDS_PER_DAY;

export interface LineItemSpec {
  item: SubscriptionItemObject;
  amount: number;
  quantity: number;
  description: string;
  period: { start: number; end: number };
  proration: boolean;
}

export function subscriptionLineItem(
  subscription: SubscriptionObject,
  spec: LineItemSpec,
): InvoiceLineItemObject {
  return fromTemplate<InvoiceLineItemObject>('invoiceLineItem', {
    id: newId('il'),
    object: 'line_item',
    amount: spec.amount,
    currency: subscription.currency,
    description: spec.description,
    invoice: null,
    metadata: {},
    quantity: spec.quantity,
    period: spec.period,
    parent: {
      type: 'subscription_item_details',
      invoice_item_details: null,
      subscription_item_details: {
        invoice_item: spec.proration ? newId('ii') : null,
        proration: spec.proration,
        proration_details: { credited_items: null },
        subscription: subscription.id,
        subscription_item: spec.item.id,
      },
    },
    pricing: {
      type: 'price_details',
      price_details: { price: spec.item.price.id, product: spec.item.price.product },
      unit_amount_decimal: spec.item.price.unit_amount_decimal,
    },
    subtotal: spec.amount,
  });
}

/** "1 × Pro (at $20.00 / month)", Stripe's description of a subscription line. */
export function describeLine(productName: string, item: SubscriptionItemObject): string {
  const recurring = item.price.recurring;
  const every =
    recurring && recurring.interval_count > 1
      ? `every ${recurring.interval_count} ${recurring.interval}s`
      : recurring?.interval;
  const unitPrice = formatAmount(item.price.unit_amount ?? 0, item.price.currency);
  return `${item.quantity} × ${productName} (at ${unitPrice}${every ? ` / ${every}` : ''})`;
}

export interface InvoiceSpec {
  id?: string;
  customer: CustomerObject;
  subscription: SubscriptionObject;
  billingReason: InvoiceBillingReason;
  lines: InvoiceLineItemObject[];
  periodStart: number;
  periodEnd: number;
}

/** A draft invoice for a subscription; emits `invoice.created`. */
export function draftInvoice(operation: Operation, spec: InvoiceSpec): InvoiceObject {
  const id = spec.id ?? newId('in');
  const total = spec.lines.reduce((sum, line) => sum + line.amount, 0);
  const combined = total + spec.customer.balance;
  const invoice = operation.store.invoices.insert(
    fromTemplate<InvoiceObject>('invoice', {
      id,
      object: 'invoice',
      created: operation.now(),
      customer: spec.customer.id,
      customer_email: spec.customer.email,
      customer_name: spec.customer.name,
      currency: spec.subscription.currency,
      status: 'draft',
      billing_reason: spec.billingReason,
      amount_due: Math.max(0, combined),
      amount_paid: 0,
      amount_remaining: Math.max(0, combined),
      subtotal: total,
      subtotal_excluding_tax: total,
      total,
      total_excluding_tax: total,
      starting_balance: spec.customer.balance,
      ending_balance: null,
      attempt_count: 0,
      attempted: false,
      next_payment_attempt: null,
      number: null,
      hosted_invoice_url: null,
      invoice_pdf: null,
      effective_at: null,
      period_start: spec.periodStart,
      period_end: spec.periodEnd,
      lines: {
        object: 'list',
        data: spec.lines.map((line) => ({ ...line, invoice: id })),
        has_more: false,
        url: `/v1/invoices/${id}/lines`,
      },
      parent: {
        type: 'subscription_details',
        quote_details: null,
        subscription_details: {
          metadata: { ...spec.subscription.metadata },
          subscription: spec.subscription.id,
        },
      },
      status_transitions: {
        finalized_at: null,
        marked_uncollectible_at: null,
        paid_at: null,
        voided_at: null,
      },
      metadata: {},
    }),
  );
  operation.emit('invoice.created', invoice);
  return invoice;
}

/**
 * Finalizes a draft (number, hosted URL, customer balance applied) and emits `invoice.finalized`.
 * Like Stripe, an invoice with nothing to collect is paid on finalization.
 */
export function finalizeInvoice(operation: Operation, invoice: InvoiceObject): void {
  const now = operation.now();
  const customer = operation.store.customers.get(invoice.customer);
  if (customer) {
    invoice.number = `${customer.invoice_prefix}-${String(customer.next_invoice_sequence).padStart(4, '0')}`;
    customer.next_invoice_sequence += 1;
    customer.balance = Math.min(0, invoice.total + invoice.starting_balance);
  }
  invoice.ending_balance = Math.min(0, invoice.total + invoice.starting_balance);
  invoice.status = 'open';
  invoice.effective_at = now;
  invoice.status_transitions.finalized_at = now;
  invoice.next_payment_attempt = now;
  const secret = randomChars(60);
  invoice.hosted_invoice_url = `https://invoice.stripe.com/i/acct_1StripeDouble/test_${secret}`;
  invoice.invoice_pdf = `https://pay.stripe.com/invoice/acct_1StripeDouble/test_${secret}/pdf`;
  operation.emit('invoice.finalized', invoice);
  if (invoice.amount_due === 0) markPaid(operation, invoice);
}

function markPaid(operation: Operation, invoice: InvoiceObject): void {
  invoice.status = 'paid';
  invoice.amount_paid = invoice.amount_due;
  invoice.amount_remaining = 0;
  invoice.next_payment_attempt = null;
  invoice.status_transitions.paid_at = operation.now();
  operation.emit('invoice.paid', invoice);
  operation.emit('invoice.payment_succeeded', invoice);
}

/**
 * Charges an open invoice. Success marks it paid (`invoice_payment.paid`, `invoice.paid`,
 * `invoice.payment_succeeded`); failure counts the attempt and emits `invoice.payment_failed`.
 */
export function attemptInvoicePayment(
  operation: Operation,
  invoice: InvoiceObject,
  outcome: PaymentOutcome,
  options: { paymentMethod: string | null; finalAttempt?: boolean },
): PaymentResult {
  const now = operation.now();
  const customer = operation.store.customers.get(invoice.customer) ?? null;
  const payment = collectPayment(operation, {
    amount: invoice.amount_due,
    currency: invoice.currency,
    customer,
    paymentMethod: options.paymentMethod,
    description:
      invoice.billing_reason === 'subscription_create' ? 'Subscription creation' : 'Subscription update',
    metadata: {},
    outcome,
  });
  invoice.attempt_count += 1;
  invoice.attempted = true;
  if (payment.succeeded) {
    const invoicePayment = operation.store.invoicePayments.insert(
      fromTemplate<InvoicePaymentObject>('invoicePayment', {
        id: newId('inpay'),
        object: 'invoice_payment',
        amount_paid: invoice.amount_due,
        amount_requested: invoice.amount_due,
        created: now,
        currency: invoice.currency,
        invoice: invoice.id,
        is_default: true,
        livemode: false,
        payment: { type: 'payment_intent', payment_intent: payment.paymentIntent.id },
        status: 'paid',
        status_transitions: { canceled_at: null, paid_at: now },
      }),
    );
    operation.emit('invoice_payment.paid', invoicePayment);
    markPaid(operation, invoice);
  } else {
    invoice.next_payment_attempt = options.finalAttempt ? null : now + RETRY_DELAY_SECONDS;
    operation.emit('invoice.payment_failed', invoice);
  }
  return payment;
}

/**
 * A payment attempt on an open invoice that stops at 3-D Secure: the invoice's payment waits with
 * the PaymentIntent (`invoice_payment` open) and Stripe emits `invoice.payment_action_required`.
 */
export function awaitInvoiceAuthentication(
  operation: Operation,
  invoice: InvoiceObject,
  paymentMethod: string | null,
): PaymentIntentObject {
  const customer = operation.store.customers.get(invoice.customer) ?? null;
  const paymentIntent = startPaymentRequiringAction(operation, {
    amount: invoice.amount_due,
    currency: invoice.currency,
    customer,
    paymentMethod,
    description:
      invoice.billing_reason === 'subscription_create' ? 'Subscription creation' : 'Subscription update',
    metadata: {},
  });
  operation.store.invoicePayments.insert(
    fromTemplate<InvoicePaymentObject>('invoicePayment', {
      id: newId('inpay'),
      object: 'invoice_payment',
      amount_paid: null,
      amount_requested: invoice.amount_due,
      created: operation.now(),
      currency: invoice.currency,
      invoice: invoice.id,
      is_default: true,
      livemode: false,
      payment: { type: 'payment_intent', payment_intent: paymentIntent.id },
      status: 'open',
      status_transitions: { canceled_at: null, paid_at: null },
    }),
  );
  invoice.attempt_count += 1;
  invoice.attempted = true;
  operation.emit('invoice.payment_action_required', invoice);
  return paymentIntent;
}

/** Voids an open invoice (from the Dashboard, or `POST /v1/invoices/:id/void`): nothing more is owed. */
export function voidInvoice(operation: Operation, invoice: InvoiceObject): void {
  const before = operation.snapshot(invoice);
  invoice.status = 'void';
  invoice.amount_remaining = 0;
  invoice.next_payment_attempt = null;
  invoice.status_transitions.voided_at = operation.now();
  operation.emit('invoice.voided', invoice);
  operation.emitUpdated('invoice.updated', before, invoice);
}

export function subscriptionIdOf(invoice: InvoiceObject): string | null {
  return invoice.parent?.subscription_details.subscription ?? null;
}
