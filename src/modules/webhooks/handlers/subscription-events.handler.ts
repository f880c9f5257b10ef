import { Injectable } from '@nestjs/common';
import Stripe from 'stripe';

import { SubscriptionSyncService } from '../../billing/subscription-sync.service';
import { BillingMails } from '../../billing-mails/billing-mails.service';
import { ChangeFeed } from '../../change-feed/change-feed.service';
import { EntitlementsService } from '../../entitlements/entitlements.service';
import { HandlerOutcome, WebhookDelivery, WebhookHandler } from './webhook-handler';

/** Subscription events: re-sync the subscription; tell the account's owners and admins a trial ends or it ended. */
@Injectable()
export class SubscriptionEventsHandler implements WebhookHandler {
  readonly types = [
    'customer.subscription.created',
    'customer.subscription.updated',
    'customer.subscription.deleted',
    'customer.subscription.paused',
    'customer.subscription.resumed',
    'customer.subscription.trial_will_end',
  ] as const;

  constructor(
    private readonly subscriptionSync: SubscriptionSyncService,
    private readonly audit: EntitlementsService,
    private readonly mails: BillingMails,
    private readonly changes: ChangeFeed,
  ) {}

  async handle(event: Stripe.Event, { receivedAt }: WebhookDelivery): Promise<HandlerOutcome> {
    const subscriptionId = (event.data.object as Stripe.Subscription).id;
    const subscription = await this.subscriptionSync.syncById(subscriptionId, event.id, { receivedAt });
    if (!subscription) return 'ignored';
    if (event.type === 'customer.subscription.trial_will_end') {
      const trialEnd = subscription.trialEnd?.toISOString() ?? null;
      await this.changes.transaction(async (tx) => {
        await this.audit.recordChange(
          subscription.accountId,
          'subscription.trial_will_end',
          event.id,
          { trialEnd },
          tx,
        );
        // A trial that has ended by now (the event came late) is not announced as ending.
        if (subscription.status !== 'trialing') return;
        await this.mails.trialEnding(
          subscription.accountId,
          event.id,
          { priceId: subscription.priceId, trialEnd },
          tx,
        );
      });
    }
    if (event.type === 'customer.subscription.deleted' && subscription.status === 'canceled') {
      // The sync committed already; if this fails the event is retried, and the cause keeps it one mail.
      await this.changes.transaction((tx) =>
        this.mails.subscriptionCanceled(
          subscription.accountId,
          subscription.stripeSubscriptionId,
          { priceId: subscription.priceId, endedAt: subscription.endedAt?.toISOString() ?? null },
          tx,
        ),
      );
    }
    return 'processed';
  }
}
