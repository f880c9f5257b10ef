import { invalidParam, invalidState, invalidValue } from '../api-error';
import { fromTemplate } from '../fixtures';
import { newId, randomChars } from '../ids';
import type { Operation } from '../operation';
import type { ChargeObject, CustomerObject, Metadata, PaymentIntentObject, RefundObject } from '../types';

export type PaymentOutcome =
  | { kind: 'succeeds' }
  | { kind: 'declined'; declineCode: string; message: string }
  | { kind: 'no_payment_method' };

export const PAYMENT_SUCCEEDS: PaymentOutcome = { kind: 'succeeds' };
export const NO_PAYMENT_METHOD: PaymentOutcome = { kind: 'no_payment_method' };

const DECLINE_MESSAGES: Record<string, string> = {
  generic_decline: 'Your card was declined.',
  insufficient_funds: 'Your card has insufficient funds.',
  lost_card: 'Your card was declined.',
  stolen_card: 'Your card was declined.',
  expired_card: 'Your card has expired.',
  fraudulent: 'Your card was declined.',
};

export function declined(declineCode = 'generic_decline'): PaymentOutcome {
  return {
    kind: 'declined',
    declineCode,
    message: DECLINE_MESSAGES[declineCode] ?? 'Your card was declined.',
  };
}

// Stripe's test payment methods that attach fine but whose charges are declined.
const DECLINING_TEST_PAYMENT_METHODS: Record<string, string> = {
  pm_card_chargeCustomerFail: 'generic_decline',
  pm_card_chargeDeclined: 'generic_decline',
  pm_card_chargeDeclinedInsufficientFunds: 'insufficient_funds',
  pm_card_chargeDeclinedFraudulent: 'fraudulent',
  pm_card_chargeDeclinedExpiredCard: 'expired_card',
  pm_card_chargeDeclinedLostCard: 'lost_card',
  pm_card_chargeDeclinedStolenCard: 'stolen_card',
};

export function outcomeForPaymentMethod(paymentMethod: string | null): PaymentOutcome {
  if (!paymentMethod) return NO_PAYMENT_METHOD;
  const declineCode = DECLINING_TEST_PAYMENT_METHODS[paymentMethod];
  return declineCode ? declined(declineCode) : PAYMENT_SUCCEEDS;
}

export interface PaymentRequest {
  amount: number;
  currency: string;
  customer: CustomerObject | null;
  paymentMethod: string | null;
  description: string | null;
  metadata: Metadata;
  outcome: PaymentOutcome;
}

export interface PaymentResult {
  paymentIntent: PaymentIntentObject;
  charge: ChargeObject | null;
  succeeded: boolean;
}

/**
 * A card payment through a PaymentIntent, emitting what Stripe emits: `payment_intent.created`,
 * then `charge.succeeded` + `payment_intent.succeeded` or `charge.failed` +
 * `payment_intent.payment_failed`. Without a payment method nothing is attempted.
 */
export function collectPayment(operation: Operation, request: PaymentRequest): PaymentResult {
  const now = operation.now();
  const paymentIntentId = newId('pi');
  const paymentMethod =
    request.paymentMethod ?? (request.outcome.kind === 'no_payment_method' ? null : newId('pm'));
  const paymentIntent = operation.store.paymentIntents.insert(
    fromTemplate<PaymentIntentObject>('paymentIntent', {
      id: paymentIntentId,
      object: 'payment_intent',
      created: now,
      amount: request.amount,
      amount_received: 0,
      client_secret: `${paymentIntentId}_secret_${randomChars(25)}`,
      currency: request.currency,
      customer: request.customer?.id ?? null,
      description: request.description,
      status: 'requires_payment_method',
      latest_charge: null,
      payment_method: paymentMethod,
      last_payment_error: null,
      metadata: request.metadata,
    }),
  );
  operation.emit('payment_intent.created', paymentIntent);
  if (request.outcome.kind === 'no_payment_method') {
    return { paymentIntent, charge: null, succeeded: false };
  }

  const succeeded = request.outcome.kind === 'succeeds';
  const charge = operation.store.charges.insert(
    fromTemplate<ChargeObject>('charge', {
      id: newId('ch'),
      object: 'charge',
      created: now,
      amount: request.amount,
      amount_captured: succeeded ? request.amount : 0,
      amount_refunded: 0,
      billing_details: {
        address: {
          city: null,
          country: null,
          line1: null,
          line2: null,
          postal_code: null,
          state: null,
        },
        email: request.customer?.email ?? null,
        name: request.customer?.name ?? null,
        phone: null,
        tax_id: null,
      },
      captured: succeeded,
      currency: request.currency,
      customer: request.customer?.id ?? null,
      description: request.description,
      failure_code: succeeded ? null : 'card_declined',
      failure_message: request.outcome.kind === 'declined' ? request.outcome.message : null,
      outcome: chargeOutcome(request.outcome),
      paid: succeeded,
      payment_intent: paymentIntent.id,
      payment_method: paymentMethod,
      receipt_url: succeeded ? `https://pay.stripe.com/receipts/payment/${randomChars(60)}` : null,
      refunded: false,
      status: succeeded ? 'succeeded' : 'failed',
      metadata: request.metadata,
    }),
  );
  paymentIntent.latest_charge = charge.id;
  if (request.outcome.kind === 'declined') {
    paymentIntent.last_payment_error = {
      type: 'card_error',
      charge: charge.id,
      code: 'card_declined',
      decline_code: request.outcome.declineCode,
      doc_url: 'https://stripe.com/docs/error-codes/card-declined',
      message: request.outcome.message,
      payment_method: { id: paymentMethod, object: 'payment_method', type: 'card' },
    };
    operation.emit('charge.failed', charge);
    operation.emit('payment_intent.payment_failed', paymentIntent);
  } else {
    paymentIntent.status = 'succeeded';
    paymentIntent.amount_received = request.amount;
    operation.emit('charge.succeeded', charge);
    operation.emit('payment_intent.succeeded', paymentIntent);
  }
  return { paymentIntent, charge, succeeded };
}

/**
 * A card payment whose bank wants 3-D Secure: the PaymentIntent waits in `requires_action` for the
 * customer to authenticate (`payment_intent.created`, `payment_intent.requires_action`); no charge yet.
 */
export function startPaymentRequiringAction(
  operation: Operation,
  request: Omit<PaymentRequest, 'outcome'>,
): PaymentIntentObject {
  const paymentIntentId = newId('pi');
  const paymentIntent = operation.store.paymentIntents.insert(
    fromTemplate<PaymentIntentObject>('paymentIntent', {
      id: paymentIntentId,
      object: 'payment_intent',
      created: operation.now(),
      amount: request.amount,
      amount_received: 0,
      client_secret: `${paymentIntentId}_secret_${randomChars(25)}`,
      currency: request.currency,
      customer: request.customer?.id ?? null,
      description: request.description,
      status: 'requires_action',
      latest_charge: null,
      payment_method: request.paymentMethod ?? newId('pm'),
      last_payment_error: null,
      next_action: {
        type: 'use_stripe_sdk',
        use_stripe_sdk: {
          type: 'three_d_secure_redirect',
          stripe_js: 'https://hooks.stripe.com/3d_secure_2/hosted',
        },
      },
      metadata: request.metadata,
    }),
  );
  operation.emit('payment_intent.created', paymentIntent);
  operation.emit('payment_intent.requires_action', paymentIntent);
  return paymentIntent;
}

function chargeOutcome(outcome: PaymentOutcome): Record<string, unknown> {
  const declinedBy = outcome.kind === 'declined' ? outcome.declineCode : null;
  return {
    advice_code: null,
    network_advice_code: null,
    network_decline_code: null,
    network_status: declinedBy ? 'declined_by_network' : 'approved_by_network',
    reason: declinedBy,
    risk_level: 'normal',
    risk_score: 32,
    seller_message: declinedBy
      ? 'The bank did not return any further details with this decline.'
      : 'Payment complete.',
    type: declinedBy ? 'issuer_declined' : 'authorized',
  };
}

export interface RefundRequest {
  amount?: number;
  reason?: RefundObject['reason'];
  metadata?: Metadata;
}

/** Refunds a charge in full or in part, emitting `charge.refunded` and `refund.created`. */
export function refundCharge(
  operation: Operation,
  charge: ChargeObject,
  request: RefundRequest,
): RefundObject {
  if (charge.status !== 'succeeded') {
    throw invalidState(`Charge ${charge.id} has not succeeded and cannot be refunded.`, 'charge');
  }
  const refundable = charge.amount_captured - charge.amount_refunded;
  if (refundable <= 0) {
    throw invalidParam('charge', `Charge ${charge.id} has already been refunded.`, 'charge_already_refunded');
  }
  const amount = request.amount ?? refundable;
  if (amount > refundable) {
    throw invalidValue(
      'amount',
      `Refund amount (${formatAmount(amount, charge.currency)}) is greater than unrefunded amount on charge (${formatAmount(refundable, charge.currency)})`,
    );
  }
  const before = operation.snapshot(charge);
  const refund = operation.store.refunds.insert(
    fromTemplate<RefundObject>('refund', {
      id: newId('re'),
      object: 'refund',
      created: operation.now(),
      amount,
      charge: charge.id,
      payment_intent: charge.payment_intent,
      currency: charge.currency,
      reason: request.reason ?? null,
      status: 'succeeded',
      metadata: request.metadata ?? {},
    }),
  );
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded === charge.amount_captured;
  operation.emitUpdated('charge.refunded', before, charge);
  operation.emit('refund.created', refund);
  return refund;
}

export function formatAmount(amount: number, currency: string): string {
  const symbol = currency === 'usd' ? '$' : currency === 'eur' ? '€' : currency === 'gbp' ? '£' : '';
  const value = (amount / 100).toFixed(2);
  return symbol ? `${symbol}${value}` : `${value} ${currency.toUpperCase()}`;
}
