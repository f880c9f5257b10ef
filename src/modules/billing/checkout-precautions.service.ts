import { Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';

import { DomainError } from '../../common/errors/domain-error';
import { isLive } from '../entitlements/access-policy';
import { StripeGateway } from '../stripe/stripe.gateway';
import { SubscriptionSyncService } from './subscription-sync.service';
import { SubscriptionsRepository } from './subscriptions.repository';

/** What a subscription checkout does so that one account pays for one subscription. */
@Injectable()
export class CheckoutPrecautions {
  private readonly logger = new Logger(CheckoutPrecautions.name);

  constructor(
    private readonly stripe: StripeGateway,
    private readonly subscriptions: SubscriptionsRepository,
    private readonly subscriptionSync: SubscriptionSyncService,
  ) {}

  /**
   * 409 `already_subscribed` while the account has a live subscription, except an `incomplete` one:
   * its first payment was never confirmed (3-D Secure abandoned, say), Stripe would keep it for a day,
   * and the 402 asks the user to check out. It is canceled in Stripe and the new checkout replaces it.
   * Should its payment have gone through meanwhile, Stripe says so and the answer is 409 after all.
   */
  async clearWayForSubscription(accountId: string): Promise<void> {
    const live = (await this.subscriptions.listForAccount(accountId)).filter((subscription) =>
      isLive(subscription.status),
    );
    if (live.some((subscription) => subscription.status !== 'incomplete')) throw alreadySubscribed();
    for (const { stripeSubscriptionId: id } of live) {
      const remote = await this.stripe.call('subscriptions.retrieve', (stripe) =>
        stripe.subscriptions.retrieve(id),
      );
      if (remote.status === 'incomplete') {
        try {
          await this.stripe.call('subscriptions.cancel', (stripe) =>
            stripe.subscriptions.cancel(
              id,
              {
                cancellation_details: {
                  comment: 'First payment never confirmed; replaced by a new checkout.',
                },
              },
              { idempotencyKey: `tollgate-replace-incomplete-${id}` },
            ),
          );
        } catch (error) {
          // Ended by Stripe meanwhile (incomplete_expired): the sync below says so.
          if (!(error instanceof DomainError && error.code === 'stripe_rejected')) throw error;
        }
      }
      const synced = await this.subscriptionSync.syncById(id, `checkout-replaces-incomplete:${id}`);
      if (synced && isLive(synced.status)) throw alreadySubscribed();
    }
  }

  /**
   * After a subscription checkout: the customer's subscription sessions created before it that are still
   * open expire, so that only the newest can be paid. Stripe lists sessions newest first, so "before" is
   * Stripe's own order, also within one second; of two checkouts at once, the later one's session stays.
   * A session completed or expired meanwhile is left as it is. A failure here does not fail the checkout:
   * a second subscription paid anyway is canceled and refunded when it arrives.
   */
  async expireEarlierSessions(customer: string, session: Stripe.Checkout.Session): Promise<void> {
    try {
      const open = await this.stripe.call('checkout.sessions.list', async (stripe) => {
        const all: Stripe.Checkout.Session[] = [];
        for await (const listed of stripe.checkout.sessions.list({ customer, status: 'open', limit: 100 })) {
          all.push(listed);
        }
        return all;
      });
      const position = open.findIndex((listed) => listed.id === session.id);
      if (position < 0) return; // this session is no longer open: a later checkout expires the rest
      const earlier = open.slice(position + 1).filter((listed) => listed.mode === 'subscription');
      for (const { id } of earlier) {
        try {
          await this.stripe.call('checkout.sessions.expire', (stripe) => stripe.checkout.sessions.expire(id));
        } catch (error) {
          if (!(error instanceof DomainError && error.code === 'stripe_rejected')) throw error;
        }
      }
    } catch (error) {
      this.logger.warn({ msg: 'could not expire earlier checkout sessions', customer, err: String(error) });
    }
  }
}

function alreadySubscribed(): DomainError {
  return new DomainError(
    'already_subscribed',
    'You have a live subscription; change its plan or use the portal.',
  );
}
