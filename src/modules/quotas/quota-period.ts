import type { QuotaPeriod } from '../../generated/prisma/client';
import type { Entitlements, FeatureEntitlement } from '../entitlements/entitlement.types';

/**
 * When the period a use at `now` counts in ends (and the quota resets): the next UTC midnight, the
 * first of the next UTC month, or the subscription's current period end. Without a subscription period
 * still ahead (the default plan, or a renewal not heard of yet) a billing period is the calendar month.
 */
export function quotaResetsAt(period: QuotaPeriod, now: Date, billingPeriodEnd: Date | null): Date {
  switch (period) {
    case 'day':
      return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
    case 'billing_period':
      if (billingPeriodEnd && billingPeriodEnd.getTime() > now.getTime()) return billingPeriodEnd;
      return quotaResetsAt('month', now, null);
    case 'month':
      return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  }
}

/** Whole seconds until `resetsAt`, at least 1 (what `Retry-After` says). */
export function secondsUntil(resetsAt: Date, now: Date): number {
  return Math.max(1, Math.ceil((resetsAt.getTime() - now.getTime()) / 1000));
}

/**
 * How much quota an instance asks for at once: enough for about two seconds at its recent rate, so
 * that a lease taken in the background lasts until the next one, but never more than its share of what
 * is left (half of it, split among the live instances), so that instances near the limit do not hold
 * quota the others could use. Always at least what the request needs.
 */
export function leaseSize(input: {
  want: number;
  remaining: number;
  liveInstances: number;
  usesPerSecond: number;
}): number {
  const remaining = Math.max(0, input.remaining);
  if (remaining < input.want) return 0;
  const share = Math.floor(remaining / (2 * Math.max(1, input.liveInstances)));
  const forTwoSeconds = Math.max(MIN_LEASE, Math.ceil(input.usesPerSecond * 2));
  return Math.min(remaining, Math.max(input.want, Math.min(share, forTwoSeconds)));
}

/** The smallest lease worth a round trip when the rate is unknown or low. */
const MIN_LEASE = 10;

/** The shortest span a rate is read over: a few uses within a millisecond are no rate yet. */
const MIN_RATE_SPAN_MS = 100;

/**
 * The rate a lease is sized for: the per-second average the flushes keep, or the rate since the last
 * lease when that is higher. The average moves once a second, so a quota that goes from idle to busy
 * would otherwise lease 10 uses at a time for its first seconds (a write per 10 requests); read since
 * the last lease, the leases grow tenfold or more per round trip instead.
 */
export function leaseRate(input: {
  averagePerSecond: number;
  usesSinceLease: number;
  msSinceLease: number;
}): number {
  const recent = (input.usesSinceLease * 1000) / Math.max(MIN_RATE_SPAN_MS, input.msSinceLease);
  return Math.max(input.averagePerSecond, recent);
}

/** A quota feature of the account and the end of the period its uses count in now. */
export interface QuotaOfPeriod {
  feature: string;
  entitlement: FeatureEntitlement;
  periodEnd: Date;
}

/** What all instances have flushed of one quota's uses in its period. */
export interface FlushedUse {
  feature: string;
  used: number;
  overage: number;
}

/** The entitlements' quota features (those with a period), by name, with the period each counts in now. */
export function quotasOfPeriod(entitlements: Entitlements, now: Date): QuotaOfPeriod[] {
  const billingEnd = entitlements.subscription?.currentPeriodEnd;
  return [...entitlements.features]
    .filter(([, entitlement]) => entitlement.period)
    .map(([feature, entitlement]) => ({
      feature,
      entitlement,
      periodEnd: quotaResetsAt(entitlement.period!, now, billingEnd ? new Date(billingEnd) : null),
    }))
    .sort((a, b) => a.feature.localeCompare(b.feature));
}
