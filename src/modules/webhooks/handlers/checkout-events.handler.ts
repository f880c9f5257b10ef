import { Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';

import { CreditPackService } from '../../billing/credit-pack.service';
import { CustomersService } from '../../billing/customers.service';
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
    private readonly customers: CustomersService,
    private readonly subscriptionSync: SubscriptionSyncService,
    private readonly creditPacks: CreditPackService,
    private readonly audit: EntitlementsService,
  ) {}

  async handle(event: Stripe.Event): Promise<HandlerOutcome> {
    const session = event.data.object as Stripe.Checkout.Session;
    const customerId = idOf(session.customer);
    const userId = customerId
      ? await this.customers.userIdForCustomer(customerId, session.metadata?.userId)
      : null;
    if (!userId) {
      this.logger.warn({ msg: 'checkout session of an unknown customer ignored', session: session.id });
      return 'ignored';
    }
    if (event.type === 'checkout.session.async_payment_failed') {
      await this.audit.recordChange(userId, 'checkout.payment_failed', event.id, { session: session.id });
      return 'processed';
    }
    const subscriptionId = idOf(session.subscription);
    if (subscriptionId) await this.subscriptionSync.syncById(subscriptionId, event.id);
    await this.creditPacks.creditPaidSession(session, event.id, userId);
    return 'processed';
  }
}
