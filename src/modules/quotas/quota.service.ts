import { Injectable } from '@nestjs/common';

import { EntitlementsService } from '../entitlements/entitlements.service';
import { PaywallSubject } from '../paywall/paywall.requirements';
import { PaywallService } from '../paywall/paywall.service';
import { QuotaCounters, QuotaUse } from './quota-counters.service';
import { QuotaLeasesRepository } from './quota-leases.repository';
import { quotaResetsAt, secondsUntil } from './quota-period';
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

  /** Takes `units` of the feature's quota for the subject, or raises 402 `quota_exhausted`. */
  async take(subject: PaywallSubject, feature: string, units: number, now = new Date()): Promise<QuotaUse> {
    const quota = await this.paywall.quotaEntitlement(subject, feature);
    const resetsAt = quotaResetsAt(quota.period, now, quota.billingPeriodEnd);
    const use = await this.counters.take({
      accountId: subject.accountId,
      feature,
      periodEnd: resetsAt,
      units,
      limit: quota.limit,
      overage: quota.overage,
    });
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

  /** An entitlement view with each quota's `used` as this period's uses (rows count only for limits). */
  async withPeriodUse<T extends { feature: string; used: number }>(
    accountId: string,
    view: T[],
  ): Promise<T[]> {
    const usage = await this.usage(accountId);
    return view.map((entry) => {
      const quota = usage.find((candidate) => candidate.feature === entry.feature);
      return quota ? { ...entry, used: quota.used } : entry;
    });
  }

  /** Every quota feature of the account with its use this period (all instances' flushed uses and ours). */
  async usage(accountId: string, now = new Date()): Promise<UsageDto[]> {
    const entitlements = await this.entitlements.compute(accountId, now);
    const billingEnd = entitlements.subscription?.currentPeriodEnd;
    const quotas = [...entitlements.features]
      .filter(([, entitlement]) => entitlement.period)
      .map(([feature, entitlement]) => ({
        feature,
        entitlement,
        periodEnd: quotaResetsAt(entitlement.period!, now, billingEnd ? new Date(billingEnd) : null),
      }))
      .sort((a, b) => a.feature.localeCompare(b.feature));
    const flushed = await this.leases.usage(accountId, quotas);
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
