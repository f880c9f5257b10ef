import { Injectable } from '@nestjs/common';

import { EntitlementsService } from '../entitlements/entitlements.service';
import { PaywallSubject } from '../paywall/paywall.requirements';
import { PaywallService, QuotaEntitlement } from '../paywall/paywall.service';
import { QuotaCounters, QuotaDemand, QuotaUse } from './quota-counters.service';
import { QuotaLeasesRepository } from './quota-leases.repository';
import { FlushedUse, QuotaOfPeriod, quotaResetsAt, quotasOfPeriod, secondsUntil } from './quota-period';
import { UsageDto } from './usage.dto';

/** Quotas as the rest of the service sees them: take one for a request, give it back, read usage. */
@Injectable()
export class QuotaService {
  constructor(
    private readonly paywall: PaywallService,
    private readonly counters: QuotaCounters,
    private readonly leases: QuotaLeasesRepository,
    private readonly entitlements: EntitlementsService,
  ) {}

  /**
   * The hot path: the use taken synchronously when the entitlements are cached and this instance's
   * lease covers it (no promise, no database); undefined when `take` has to wait for either.
   */
  takeNow(subject: PaywallSubject, feature: string, units: number): QuotaUse | undefined {
    const quota = this.paywall.cachedQuotaEntitlement(subject, feature);
    return quota && this.counters.takeNow(demandOf(subject, feature, units, quota, new Date()));
  }

  /** Takes `units` of the feature's quota for the subject, or raises 402 `quota_exhausted`. */
  async take(subject: PaywallSubject, feature: string, units: number, now = new Date()): Promise<QuotaUse> {
    const quota = await this.paywall.quotaEntitlement(subject, feature);
    const demand = demandOf(subject, feature, units, quota, now);
    const resetsAt = demand.periodEnd;
    const use = await this.counters.take(demand);
    if (use) return use;
    throw await this.paywall.quotaExhausted(subject, feature, {
      limit: quota.limit ?? 0,
      period: quota.period,
      resetsAt,
      retryAfterSeconds: secondsUntil(resetsAt, now),
    });
  }

  giveBack(use: QuotaUse): void {
    this.counters.giveBack(use);
  }

  /** Runs a read of flushed uses (for `usedInPeriod`) so that it agrees with this instance's pending ones. */
  readFlushed<T>(read: () => Promise<T>): Promise<T> {
    return this.counters.readFlushed(read);
  }

  /**
   * A quota's use this period (rows count only for limits): what all instances flushed, as
   * `QuotaLeasesRepository.usage` (or a statement doing the same) read it into `flushed`, and ours.
   */
  usedInPeriod(accountId: string, quota: QuotaOfPeriod, flushed: FlushedUse[]): number {
    const stored = flushed.find((row) => row.feature === quota.feature);
    const { feature, periodEnd } = quota;
    return (stored?.used ?? 0) + this.counters.pendingOf({ accountId, feature, periodEnd }).used;
  }

  /** Every quota feature of the account with its use this period (all instances' flushed uses and ours). */
  async usage(accountId: string, now = new Date()): Promise<UsageDto[]> {
    const quotas = quotasOfPeriod(await this.entitlements.compute(accountId, now), now);
    const flushed = await this.counters.readFlushed(() => this.leases.usage(accountId, quotas));
    return this.usageOf(accountId, quotas, flushed);
  }

  private usageOf(accountId: string, quotas: QuotaOfPeriod[], flushed: FlushedUse[]): UsageDto[] {
    return quotas.map(({ feature, entitlement, periodEnd }) => {
      const stored = flushed.find((row) => row.feature === feature);
      const pending = this.counters.pendingOf({ accountId, feature, periodEnd });
      const overageUnits = (stored?.overage ?? 0) + pending.overage;
      return {
        feature,
        limit: entitlement.limit,
        used: (stored?.used ?? 0) + pending.used,
        period: entitlement.period!,
        resetsAt: periodEnd.toISOString(),
        overage: entitlement.overage ? { priceId: entitlement.overage.priceId, units: overageUnits } : null,
      };
    });
  }
}

function demandOf(
  subject: PaywallSubject,
  feature: string,
  units: number,
  quota: QuotaEntitlement,
  now: Date,
): QuotaDemand {
  return {
    accountId: subject.accountId,
    feature,
    periodEnd: quotaResetsAt(quota.period, now, quota.billingPeriodEnd),
    units,
    limit: quota.limit,
    overage: quota.overage,
  };
}
