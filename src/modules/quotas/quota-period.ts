import type { QuotaPeriod } from '../../generated/prisma/client';

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
