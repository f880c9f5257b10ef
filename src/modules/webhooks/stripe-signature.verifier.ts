import { Injectable } from '@nestjs/common';
import Stripe from 'stripe';

import { DomainError } from '../../common/errors/domain-error';
import { jsonBodyProblem } from '../../common/http/json-body';
import { AppConfig } from '../../config/app-config';

export const SIGNATURE_TOLERANCE_SECONDS = 300;

@Injectable()
export class StripeSignatureVerifier {
  constructor(private readonly config: AppConfig) {}

  /**
   * The event, if the raw body carries a valid and fresh signature of our endpoint secret. The body is
   * parsed only once the signature holds (Stripe's `constructEvent` checks, then parses): a body nobody
   * signed costs an HMAC, never a parse.
   */
  verify(rawBody: string | undefined, signature: string | undefined): Stripe.Event {
    const secret = this.config.stripe?.webhookSecret ?? this.config.env.STRIPE_WEBHOOK_SECRET;
    if (!secret) {
      throw new DomainError(
        'billing_not_configured',
        'Webhooks are not configured (no STRIPE_WEBHOOK_SECRET).',
      );
    }
    if (!rawBody || !signature) {
      throw new DomainError('invalid_signature', 'The Stripe-Signature header or the body is missing.');
    }
    let event: Stripe.Event;
    try {
      event = Stripe.webhooks.constructEvent(rawBody, signature, secret, SIGNATURE_TOLERANCE_SECONDS);
    } catch (error) {
      if (error instanceof SyntaxError) {
        throw new DomainError('malformed_json', 'The signed body is not valid JSON.');
      }
      throw new DomainError('invalid_signature', (error as Error).message.split('\n')[0]);
    }
    const problem = jsonBodyProblem(event);
    if (problem) throw new DomainError('malformed_json', problem);
    if (!isEventEnvelope(event)) {
      throw new DomainError('validation_failed', 'The body is not a Stripe event (id, type, created).');
    }
    return event;
  }
}

/** What storing an event needs; Stripe always sends it, a signed body of anything else is refused. */
function isEventEnvelope(event: Partial<Stripe.Event>): boolean {
  return (
    typeof event.id === 'string' &&
    /^[\w-]{1,255}$/.test(event.id) &&
    typeof event.type === 'string' &&
    /^[\w.-]{1,128}$/.test(event.type) &&
    Number.isSafeInteger(event.created) &&
    event.created! >= 0 &&
    event.created! < 100_000_000_000
  );
}
