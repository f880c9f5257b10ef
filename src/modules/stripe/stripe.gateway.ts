import { Inject, Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';

import { DomainError } from '../../common/errors/domain-error';
import { STRIPE_CLIENT } from './stripe-client.provider';

/**
 * Every call to Stripe goes through here: 503 when billing is not configured, and Stripe's
 * failures turned into problems (its own message for what it rejected, 503 when it is unreachable).
 */
@Injectable()
export class StripeGateway {
  private readonly logger = new Logger(StripeGateway.name);

  constructor(@Inject(STRIPE_CLIENT) private readonly client: Stripe | null) {}

  get configured(): boolean {
    return this.client !== null;
  }

  /** For work that needs Stripe even when it may end up making no call. */
  requireConfigured(): Stripe {
    if (!this.client) {
      throw new DomainError(
        'billing_not_configured',
        'Billing is not configured on this server (no STRIPE_SECRET_KEY).',
      );
    }
    return this.client;
  }

  async call<T>(operation: string, request: (stripe: Stripe) => Promise<T>): Promise<T> {
    const client = this.requireConfigured();
    try {
      return await request(client);
    } catch (error) {
      throw this.toDomainError(operation, error);
    }
  }

  private toDomainError(operation: string, error: unknown): unknown {
    if (!(error instanceof Stripe.errors.StripeError)) return error;
    const context = { operation, stripeRequestId: error.requestId, type: error.type, code: error.code };
    if (
      error instanceof Stripe.errors.StripeInvalidRequestError ||
      error instanceof Stripe.errors.StripeCardError
    ) {
      this.logger.warn({ msg: 'Stripe rejected a request', ...context });
      return new DomainError('stripe_rejected', error.message, { stripeCode: error.code ?? error.type });
    }
    if (error instanceof Stripe.errors.StripeIdempotencyError) {
      return new DomainError(
        'conflict',
        'A different request with the same idempotency key is in progress at Stripe.',
      );
    }
    if (
      error instanceof Stripe.errors.StripeAuthenticationError ||
      error instanceof Stripe.errors.StripePermissionError
    ) {
      this.logger.error({ msg: 'Stripe refused our API key', ...context });
      return new DomainError('stripe_unavailable', 'Stripe refused the configured API key.');
    }
    this.logger.warn({ msg: 'Stripe unavailable', ...context, message: error.message });
    return new DomainError(
      'stripe_unavailable',
      'Stripe could not be reached; try again shortly.',
      {},
      {
        'retry-after': '5',
      },
    );
  }
}
