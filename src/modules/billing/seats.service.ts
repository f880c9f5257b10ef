import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

import { MembershipChanges } from '../accounts/membership-changes';
import { isLive } from '../entitlements/access-policy';
import { EntitlementsService } from '../entitlements/entitlements.service';
import { stripeWork } from '../stripe/stripe-work';
import { StripeGateway } from '../stripe/stripe.gateway';
import { SeatsRepository } from './seats.repository';
import { SubscriptionSyncService } from './subscription-sync.service';
import { planItemOf } from './subscription-items';

/** A write and a re-count that disagree again (members joining meanwhile) are retried this often. */
const MAX_SEAT_UPDATES = 3;

/**
 * Keeps a per-seat subscription's quantity equal to its account's member count: after every join and
 * leave on the instance that made it, and from reconciliation for whatever that missed (Stripe down,
 * a crash between the commit and the update). Each pass writes the count it read and then reads it
 * again, so of two passes racing, the later one leaves Stripe at the final count.
 */
@Injectable()
export class SeatsService implements OnModuleInit {
  private readonly logger = new Logger(SeatsService.name);

  constructor(
    private readonly seats: SeatsRepository,
    private readonly entitlements: EntitlementsService,
    private readonly subscriptionSync: SubscriptionSyncService,
    private readonly stripe: StripeGateway,
    private readonly membershipChanges: MembershipChanges,
  ) {}

  onModuleInit(): void {
    this.membershipChanges.onChange((accountId) => this.sync(accountId, 'members-changed'));
  }

  /** The quantity to buy a price at for the account: its member count when per seat, else 1. */
  async quantityFor(accountId: string, price: { perSeat: boolean }): Promise<number> {
    return price.perSeat ? Math.max(1, await this.seats.memberCount(accountId)) : 1;
  }

  /** Brings the account's live per-seat subscription to its member count (prorated); the quantity now. */
  async sync(accountId: string, cause: string): Promise<number | null> {
    for (let attempt = 0; attempt < MAX_SEAT_UPDATES; attempt++) {
      const current = await this.entitlements.currentSubscription(accountId);
      if (!current || !isLive(current.status) || !current.price?.perSeat) return null;
      const members = await this.quantityFor(accountId, current.price);
      if (current.quantity === members) return members;
      await this.stripe.call('subscriptions.update', async (stripe) => {
        const remote = await stripe.subscriptions.retrieve(current.stripeSubscriptionId);
        const item = planItemOf(remote.items.data);
        if (!item) throw new Error(`Stripe subscription ${remote.id} has no item to change`);
        if (item.quantity === members) return remote;
        return stripe.subscriptions.update(
          remote.id,
          { items: [{ id: item.id, quantity: members }], proration_behavior: 'create_prorations' },
          { idempotencyKey: `tollgate-seats-${remote.id}-${randomUUID()}` },
        );
      });
      await this.subscriptionSync.syncById(current.stripeSubscriptionId, `seats:${cause}`);
      this.logger.log({ msg: 'seats updated', accountId, from: current.quantity, to: members });
    }
    return (await this.entitlements.currentSubscription(accountId))?.quantity ?? null;
  }

  /** Reconciliation's pass: every account whose per-seat quantity disagrees with its members. */
  healAll(cause: string, take = 100): Promise<number> {
    return stripeWork.inBackground(async () => {
      let healed = 0;
      for (const accountId of await this.seats.accountsOutOfStep(take)) {
        try {
          await this.sync(accountId, cause);
          healed++;
        } catch (error) {
          this.logger.warn({ msg: 'seats not healed', accountId, reason: (error as Error).message });
        }
      }
      return healed;
    });
  }
}
