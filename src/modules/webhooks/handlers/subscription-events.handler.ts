import { Injectable } from '@nestjs/common';
import Stripe from 'stripe';

import { PaymentOutcome, SubscriptionSyncService } from '../../billing/subscription-sync.service';
import { EntitlementsService } from '../../entitlements/entitlements.service';
import { HandlerOutcome, idOf, WebhookHandler } from './webhook-handler';

/** Subscription and invoice events: re-sync the subscription, and move the grace period on payments. */
@Injectable()
export class SubscriptionEventsHandler implements WebhookHandler {
  readonly types = [
    'customer.subscription.created',
    'customer.subscription.updated',
    'customer.subscription.deleted',
    'customer.subscription.paused',
    'customer.subscription.resumed',
    'customer.subscription.trial_will_end',
    'invoice.paid',
    'invoice.payment_failed',
    'invoice.payment_action_required',
  ] as const;

  constructor(
    private readonly subscriptionSync: SubscriptionSyncService,
    private readonly audit: EntitlementsService,
  ) {}

  async handle(event: Stripe.Event): Promise<HandlerOutcome> {
    const subscriptionId = event.type.startsWith('invoice.')
      ? invoiceSubscriptionId(event.data.object as Stripe.Invoice)
      : (event.data.object as Stripe.Subscription).id;
    if (!subscriptionId) return 'ignored';
    const subscription = await this.subscriptionSync.syncById(
      subscriptionId,
      event.id,
      paymentOutcome(event),
    );
    if (!subscription) return 'ignored';
    if (event.type === 'customer.subscription.trial_will_end') {
      await this.audit.recordChange(subscription.accountId, 'subscription.trial_will_end', event.id, {
        trialEnd: subscription.trialEnd?.toISOString() ?? null,
      });
    }
    return 'processed';
  }
}

function paymentOutcome(event: Stripe.Event): PaymentOutcome | undefined {
  const at = new Date(event.created * 1000);
  if (event.type === 'invoice.paid') return { kind: 'paid', at };
  if (event.type === 'invoice.payment_failed') return { kind: 'failed', at };
  return undefined;
}

function invoiceSubscriptionId(invoice: Stripe.Invoice): string | null {
  const legacy = (invoice as unknown as { subscription?: string | { id: string } | null }).subscription;
  return idOf(invoice.parent?.subscription_details?.subscription) ?? idOf(legacy);
}
