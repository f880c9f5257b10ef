import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';

/** What claiming an account's trial of a plan came to. */
export type TrialClaim =
  | { kind: 'claimed'; claimedAt: Date }
  /** The account started this plan's trial before, or another request is starting it now. */
  | { kind: 'used' }
  /** Another request is starting a trial of another plan for the account right now. */
  | { kind: 'busy' };

/**
 * `trial_starts`: one row per account and plan whose trial without a card was started, kept forever.
 * A row without a subscription id is a claim in progress; one older than the lease is an attempt that
 * died (a crash between the claim and Stripe's answer) and may be taken over.
 */
@Injectable()
export class TrialStartsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Claims the trial before Stripe is asked, so that of concurrent requests exactly one goes on. Claims
   * of one account queue behind each other (a transaction-scoped advisory lock), which lets a claim also
   * see another plan's trial being started and keeps an account to one trial in progress.
   */
  async claim(accountId: string, planId: string, leaseSeconds: number): Promise<TrialClaim> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`trial:${accountId}`}, 0))`;
      const pending = await tx.$queryRaw<{ planId: string }[]>`
        SELECT plan_id AS "planId" FROM trial_starts
         WHERE account_id = ${accountId}::uuid AND plan_id <> ${planId}::uuid
           AND stripe_subscription_id IS NULL
           AND started_at > clock_timestamp() - ${leaseSeconds}::int * interval '1 second'
         LIMIT 1`;
      if (pending.length > 0) return { kind: 'busy' } as const;
      const claimed = await tx.$queryRaw<{ startedAt: Date }[]>`
        INSERT INTO trial_starts (account_id, plan_id, started_at)
        VALUES (${accountId}::uuid, ${planId}::uuid, clock_timestamp())
        ON CONFLICT (account_id, plan_id) DO UPDATE SET started_at = clock_timestamp()
         WHERE trial_starts.stripe_subscription_id IS NULL
           AND trial_starts.started_at <= clock_timestamp() - ${leaseSeconds}::int * interval '1 second'
        RETURNING started_at AS "startedAt"`;
      const [row] = claimed;
      return row ? ({ kind: 'claimed', claimedAt: row.startedAt } as const) : ({ kind: 'used' } as const);
    });
  }

  /** The trial's subscription exists at Stripe: the claim becomes the record that the trial was used. */
  async recordSubscription(accountId: string, planId: string, stripeSubscriptionId: string): Promise<void> {
    await this.prisma.trialStart.updateMany({
      where: { accountId, planId },
      data: { stripeSubscriptionId },
    });
  }

  /** Gives a claim back after a failed attempt (only this attempt's, and only while it made nothing). */
  async release(accountId: string, planId: string, claimedAt: Date): Promise<void> {
    await this.prisma.trialStart.deleteMany({
      where: { accountId, planId, startedAt: claimedAt, stripeSubscriptionId: null },
    });
  }
}
