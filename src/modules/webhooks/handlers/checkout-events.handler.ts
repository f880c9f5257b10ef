import { Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';

import { CheckoutSessionsService } from '../../billing/checkout-sessions.service';
import { CreditPackService } from '../../billing/credit-pack.service';
import { SubscriptionSyncService } from '../../billing/subscription-sync.service';
import { EntitlementsService } from '../../entitlements/entitlements.service';
import { HandlerOutcome, idOf, WebhookHandler } from './webhook-handler';

@Injectable()
export class CheckoutEventsHandler implements WebhookHandler {
  private readonly logger = new Logger(CheckoutEventsHandler.name);

  readonly types = [
    'checkout.session.completed',
    'checkout.session.async_payment_succeeded',
    'checkout.session.async_payment_failed',
  ] as const;

  constructor(
    private readonly checkoutSessions: CheckoutSessionsService,
    private readonly subscriptionSync: SubscriptionSyncService,
    private readonly creditPacks: CreditPackService,
    private readonly audit: EntitlementsService,
  ) {}

  async handle(event: Stripe.Event): Promise<HandlerOutcome> {
    const delivered = event.data.object as Stripe.Checkout.Session;
    // Stripe's fulfilment guidance: act on the session as Stripe has it now, never on the payload.
    const session = await this.checkoutSessions.retrieve(delivered.id);
    const accountId = session ? await this.checkoutSessions.owner(session) : null;
    if (!session || !accountId) {
      this.logger.warn({
        msg: 'checkout session ignored: not one this service created for the user it names',
        session: delivered.id,
        customer: idOf(session?.customer ?? delivered.customer),
        user: session?.client_reference_id ?? delivered.client_reference_id,
      });
      return 'ignored';
    }
    if (event.type === 'checkout.session.async_payment_failed') {
      await this.audit.recordChange(accountId, 'checkout.payment_failed', event.id, { session: session.id });
      return 'processed';
    }
    const subscriptionId = idOf(session.subscription);
    if (subscriptionId) await this.subscriptionSync.syncById(subscriptionId, event.id);
    await this.creditPacks.creditPaidSession(session, event.id, accountId);
    return 'processed';
  }
}
