import { Injectable } from '@nestjs/common';
import Stripe from 'stripe';

import { StripeGateway } from '../stripe/stripe.gateway';
import { CustomersService } from './customers.service';

/** Checkout Sessions as Stripe has them now: what fulfilment reads, never a webhook's copy. */
@Injectable()
export class CheckoutSessionsService {
  constructor(
    private readonly stripe: StripeGateway,
    private readonly customers: CustomersService,
  ) {}

  /** The session with what was bought (`line_items`), or null when Stripe has no such session. */
  retrieve(sessionId: string): Promise<Stripe.Checkout.Session | null> {
    return this.stripe.call('checkout.sessions.retrieve', (stripe) =>
      stripe.checkout.sessions.retrieve(sessionId, { expand: ['line_items'] }).catch((error: unknown) => {
        if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing') {
          return null;
        }
        throw error;
      }),
    );
  }

  /**
   * The user the session was created for, only when its customer is the one this service created for
   * that user: a session naming one user on another's customer, or on a customer the service never
   * created, belongs to nobody.
   */
  async owner(session: Stripe.Checkout.Session): Promise<string | null> {
    const named = session.client_reference_id ?? session.metadata?.userId;
    if (!named || (session.metadata?.userId && session.metadata.userId !== named)) return null;
    const customerId = typeof session.customer === 'string' ? session.customer : session.customer?.id;
    if (!customerId) return null;
    return (await this.customers.userIdForCustomer(customerId)) === named ? named : null;
  }
}
