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
   * The account the session was created for, only when its customer is the one this service created
   * for that account: a session naming one account on another's customer, or on a customer the service
   * never created, belongs to nobody. Sessions created before teams name the user whose personal account
   * the customer now belongs to (`metadata.userId`).
   */
  async owner(session: Stripe.Checkout.Session): Promise<string | null> {
    const named = session.client_reference_id ?? session.metadata?.accountId ?? session.metadata?.userId;
    const metadataNames = session.metadata?.accountId ?? session.metadata?.userId;
    if (!named || (metadataNames && metadataNames !== named)) return null;
    const customerId = typeof session.customer === 'string' ? session.customer : session.customer?.id;
    if (!customerId) return null;
    const account = await this.customers.accountForCustomer(customerId);
    if (!account) return null;
    return account.id === named || account.personalUserId === named ? account.id : null;
  }
}
