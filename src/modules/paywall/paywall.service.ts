import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { DomainError } from '../../common/errors/domain-error';
import { Prisma, QuotaPeriod } from '../../generated/prisma/client';
import { AuthenticatedUser } from '../auth/identity';
import { ChangeFeed } from '../change-feed/change-feed.service';
import type { CreditSpend } from '../credits/credit-lots';
import { CreditsService } from '../credits/credits.service';
import type { Entitlements } from '../entitlements/entitlement.types';
import { decideFeature } from './access-decision';
import { EntitlementsCache } from './entitlements-cache.service';
import { PaymentRequiredFactory } from './payment-required.factory';
import { PaywallSubject } from './paywall.requirements';

export interface QuotaEntitlement {
  limit: number | null;
  period: QuotaPeriod;
  overage: { priceId: string; eventName: string } | null;
  billingPeriodEnd: Date | null;
}
import { UsageCounters } from './usage-counters.service';
import { UsageLockRepository } from './usage-lock.repository';

export type SpentCredits = Extract<CreditSpend, { spent: true }>;

/**
 * The paywall's one entry point: the guard, the credit interceptor and the resource services all
 * decide through it, and every 402 it raises carries the full body (what to buy and where).
 */
@Injectable()
export class PaywallService {
  constructor(
    private readonly cache: EntitlementsCache,
    private readonly counters: UsageCounters,
    private readonly locks: UsageLockRepository,
    private readonly credits: CreditsService,
    private readonly paymentRequired: PaymentRequiredFactory,
    private readonly changes: ChangeFeed,
  ) {}

  static subjectOf(request: FastifyRequest & { user?: AuthenticatedUser }): PaywallSubject {
    // Authentication runs first on every route that is not public; a paywalled public route is a bug.
    if (!request.user) throw new DomainError('unauthenticated', 'This route needs a caller.');
    return { accountId: request.user.account.id, route: request.routeOptions.url ?? request.url };
  }

  /** The account's entitlements as the guard decides with them: from the cache, exact within a second. */
  entitlements(accountId: string): Promise<Entitlements> | Entitlements {
    return this.cache.get(accountId);
  }

  /** 402 unless the subject's plan (or a grant) includes the feature; returns its limit (null: none). */
  async assertFeature(subject: PaywallSubject, feature: string): Promise<number | null> {
    const entitlements = await this.cache.get(subject.accountId);
    const decision = decideFeature(entitlements, feature);
    if (decision.granted) return decision.limit;
    throw await this.paymentRequired.create({
      code: decision.code,
      feature,
      route: subject.route,
      entitlements,
    });
  }

  /**
   * The subject's entitlement to a quota feature (402 as `assertFeature` without it), with what its
   * period is counted from: the account's subscription period end.
   */
  async quotaEntitlement(subject: PaywallSubject, feature: string): Promise<QuotaEntitlement> {
    const entitlements = await this.cache.get(subject.accountId);
    const quota = quotaOf(entitlements, feature);
    if (quota) return quota;
    // Without the feature this raises its 402; with it, the entitlement was there all along.
    await this.assertFeature(subject, feature);
    return quotaOf(entitlements, feature)!;
  }

  /**
   * The quota entitlement when the subject's entitlements are cached and include the feature, without
   * waiting for anything (the quota's hot path); undefined sends the caller to `quotaEntitlement`.
   */
  cachedQuotaEntitlement(subject: PaywallSubject, feature: string): QuotaEntitlement | undefined {
    const entitlements = this.cache.get(subject.accountId);
    return entitlements instanceof Promise ? undefined : quotaOf(entitlements, feature);
  }

  /** The 402 `quota_exhausted` for a quota used up until `resetsAt`. */
  async quotaExhausted(
    subject: PaywallSubject,
    feature: string,
    quota: { limit: number; period: string; resetsAt: Date; retryAfterSeconds: number },
  ): Promise<DomainError> {
    return this.paymentRequired.create({
      code: 'quota_exhausted',
      feature,
      route: subject.route,
      entitlements: await this.cache.get(subject.accountId),
      quota: { ...quota, used: quota.limit },
    });
  }

  /** 402 `limit_reached` when the subject has used up the feature; returns its limit (null: none). */
  async assertBelowLimit(subject: PaywallSubject, feature: string): Promise<number | null> {
    const limit = await this.assertFeature(subject, feature);
    if (limit === null) return null;
    const used = await this.counters.used(feature, subject.accountId);
    if (used >= limit) throw await this.limitReached(subject, feature, limit, used);
    return limit;
  }

  /**
   * Creates one unit of a limited resource, or raises 402 `limit_reached`. Within a limit, creates
   * for one subject and feature queue on a lock and count inside it, so concurrent ones never
   * overshoot; without a limit it is the bare `create`, with no transaction.
   */
  async createWithinLimit<T>(
    subject: PaywallSubject,
    feature: string,
    create: (tx?: Prisma.TransactionClient) => Promise<T>,
  ): Promise<T> {
    const limit = await this.assertFeature(subject, feature);
    const outcome =
      limit === null
        ? { created: await create() }
        : await this.locks.withLock<{ created: T } | { full: number }>(
            `${feature}:${subject.accountId}`,
            async (tx) => {
              const used = await this.counters.used(feature, subject.accountId, tx);
              return used >= limit ? { full: used } : { created: await create(tx) };
            },
          );
    return this.createdOrLimitReached(subject, feature, limit, outcome);
  }

  /**
   * `createWithinLimit` for a resource whose repository counts and creates in one statement: `create`
   * gets the limit (null: none, and no transaction) and, within a limit, the transaction that holds the
   * lock; it answers what it created or the use it found at the limit. Under the lock that statement
   * starts after the previous holder committed, so it counts what they created.
   */
  async createBelowLimit<T>(
    subject: PaywallSubject,
    feature: string,
    create: (
      limit: number | null,
      tx?: Prisma.TransactionClient,
    ) => Promise<{ created: T } | { full: number }>,
  ): Promise<T> {
    const limit = await this.assertFeature(subject, feature);
    const outcome =
      limit === null
        ? await create(null)
        : await this.locks.withLock(`${feature}:${subject.accountId}`, (tx) => create(limit, tx));
    return this.createdOrLimitReached(subject, feature, limit, outcome);
  }

  /** What a limited create made (its count changed: `usage`), or 402 `limit_reached`. */
  private async createdOrLimitReached<T>(
    subject: PaywallSubject,
    feature: string,
    limit: number | null,
    outcome: { created: T } | { full: number },
  ): Promise<T> {
    if ('created' in outcome) {
      this.changes.local({ kind: 'usage', accountId: subject.accountId });
      return outcome.created;
    }
    throw await this.limitReached(subject, feature, limit ?? 0, outcome.full);
  }

  /**
   * 402 `limit_reached` when `used` fills the account's cap on the feature. Unlike `assertFeature`, a
   * feature the account's entitlements lack is no cap at all (an account without `seats` has any number).
   */
  async assertRoomUnderCap(subject: PaywallSubject, feature: string, used: number): Promise<void> {
    const limit = (await this.cache.get(subject.accountId)).features.get(feature)?.limit ?? null;
    if (limit !== null && used >= limit) throw await this.limitReached(subject, feature, limit, used);
  }

  /** Spends credits or raises 402 `insufficient_credits`; what it returns gives them back (`giveBackCredits`). */
  async spendCredits(subject: PaywallSubject, credits: number): Promise<SpentCredits> {
    const spend = await this.credits.spend(subject.accountId, credits, PaywallService.spendReason(subject));
    if (spend.spent) return spend;
    throw await this.insufficientCredits(subject, credits, spend.balance);
  }

  /**
   * Spends credits and runs `work` in one transaction (a `work` that throws spends nothing), or raises
   * 402 `insufficient_credits` before `work` runs. The locked path of a route that spends in its own
   * statement (`unexpiringSpend`): what it returns is `work`'s result and the balance left.
   */
  async spendCreditsWith<T>(
    subject: PaywallSubject,
    credits: number,
    work: (tx: Prisma.TransactionClient) => Promise<T>,
  ): Promise<{ result: T; balanceAfter: number }> {
    const spend = await this.credits.spendWith(
      subject.accountId,
      credits,
      PaywallService.spendReason(subject),
      work,
    );
    if (spend.spent) return spend;
    throw await this.insufficientCredits(subject, credits, spend.balance);
  }

  /** The ledger's reason for credits spent on the subject's route. */
  static spendReason(subject: PaywallSubject): string {
    return `spend:${subject.route}`;
  }

  /** The 402 `insufficient_credits` of a spend that found `balance`. */
  async insufficientCredits(subject: PaywallSubject, credits: number, balance: number): Promise<DomainError> {
    return this.paymentRequired.create({
      code: 'insufficient_credits',
      feature: null,
      route: subject.route,
      entitlements: await this.cache.get(subject.accountId),
      credits: { required: credits, balance },
    });
  }

  giveBackCredits(subject: PaywallSubject, credits: number, spent: SpentCredits): Promise<void> {
    return this.credits.giveBack(subject.accountId, credits, 'refund:failed_request', spent.fromLots);
  }

  private async limitReached(subject: PaywallSubject, feature: string, limit: number, used: number) {
    return this.paymentRequired.create({
      code: 'limit_reached',
      feature,
      route: subject.route,
      entitlements: await this.cache.get(subject.accountId),
      limit: { limit, used },
    });
  }
}

function quotaOf(entitlements: Entitlements, feature: string): QuotaEntitlement | undefined {
  const entitlement = entitlements.features.get(feature);
  if (!entitlement) return undefined;
  const periodEnd = entitlements.subscription?.currentPeriodEnd;
  return {
    limit: entitlement.limit,
    period: entitlement.period ?? 'month',
    overage: entitlement.overage ?? null,
    billingPeriodEnd: periodEnd ? new Date(periodEnd) : null,
  };
}
