/**
 * What to do after an attempt to send a meter event failed. While Stripe is down or says nothing
 * useful the event waits and is tried again, doubling the wait up to MAX_RETRY_DELAY_MS, for as long
 * as it takes: overage is money, so nothing is given up for being old. Only Stripe's own rejection of
 * the event (a 4xx about it) stops the retries, and Stripe saying it knows the identifier already means
 * an earlier attempt got through.
 */
export const MAX_RETRY_DELAY_MS = 60_000;

export type SendOutcome =
  { kind: 'sent' } | { kind: 'retry'; at: Date; reason: string } | { kind: 'failed'; reason: string };

/** How a failed send looked: the code our Stripe gateway gave it, and Stripe's words. */
export interface SendFailure {
  /** `stripe_rejected` (a 4xx about the request), `stripe_unavailable`, `billing_not_configured`, …; null: no DomainError. */
  code: string | null;
  message: string;
  /** Stripe's error code for a rejection (`resource_already_exists`, `resource_missing`, …). */
  stripeCode: string | null;
}

/** The wait before attempt `attempts + 1`: base × 2^(attempts − 1), capped, shortened by up to a quarter at random. */
export function retryDelayMs(
  attempts: number,
  baseDelayMs: number,
  random: () => number = Math.random,
): number {
  const exponential = baseDelayMs * 2 ** Math.min(Math.max(attempts - 1, 0), 30);
  return Math.round(Math.min(exponential, MAX_RETRY_DELAY_MS) * (1 - 0.25 * random()));
}

/**
 * Stripe keeps one meter event per identifier (for at least 24 hours). A rejection that says the
 * identifier exists is an attempt of ours that Stripe took before its answer was lost.
 */
export function isDuplicateIdentifier(failure: SendFailure): boolean {
  if (failure.code !== 'stripe_rejected') return false;
  if (failure.stripeCode === 'resource_already_exists') return true;
  return /identifier/i.test(failure.message) && /(already|duplicate)/i.test(failure.message);
}

export function outcomeOfFailure(
  failure: SendFailure,
  attempts: number,
  now: Date,
  baseDelayMs: number,
  random: () => number = Math.random,
): SendOutcome {
  if (isDuplicateIdentifier(failure)) return { kind: 'sent' };
  const reason = failure.message.slice(0, 1000);
  if (failure.code === 'stripe_rejected') return { kind: 'failed', reason };
  return { kind: 'retry', at: new Date(now.getTime() + retryDelayMs(attempts, baseDelayMs, random)), reason };
}
