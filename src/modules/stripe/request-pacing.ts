/**
 * How this instance spreads its Stripe requests over time (pure: the clock is passed in).
 *
 * - A token bucket at the instance's share of STRIPE_MAX_RPS, holding a quarter of a second's worth
 *   (a small burst after a quiet moment).
 * - A strict cap on top: never more than the rate's worth of starts within one window, so that
 *   Stripe, which counts per second, never sees more than the budget however tokens piled up.
 * - A cap on requests in flight (started, not yet answered): a quarter of the rate. Our start is not
 *   Stripe's receipt: a busy event loop (ours or, in a bench, the double's) can delay requests and then
 *   deliver them together. Only requests still in flight can arrive late, so whatever the delays,
 *   Stripe receives at most the rate plus this cap within any second (25 at the default of 20).
 * - Users first: while user-facing requests are being made (one within USER_ACTIVE_MS), background
 *   work leaves them a fifth of each window and one in-flight turn, so that a user's request rarely
 *   waits for a background one to be answered or to age out of the window.
 * - A 429 slows the whole client down: the rate is halved (not again for answers to requests sent
 *   together), held there, then climbs back gradually.
 */

export type StripePriority = 'user' | 'background';

/** Starts within this long count against one second's budget; the margin covers our start → Stripe's receipt. */
export const BUDGET_WINDOW_MS = 1_050;
/** After a 429 the reduced rate holds this long before it climbs back. */
export const SLOWDOWN_HOLD_MS = 3_000;
/** After the hold, the rate climbs back by this share of the full rate per second. */
export const RECOVERY_PER_SECOND = 0.25;
/** The rate never drops below this share of the full rate. */
export const MIN_RATE_FACTOR = 1 / 16;
/** 429s within this long of a halving are answers to the same crowd of requests: no second halving. */
export const SLOWDOWN_DEBOUNCE_MS = 1_000;

/** After a user-facing request, background work keeps leaving room for users this long. */
export const USER_ACTIVE_MS = 5_000;
/** The share of each window background work leaves to users while they are active. */
export const USER_RESERVE = 1 / 5;

export class RequestBudget {
  private rate: number;
  private tokens: number;
  private refilledAt: number;
  /** Start times within the last window, oldest first. */
  private starts: number[] = [];
  private slowedTo = 1;
  private holdUntil = Number.NEGATIVE_INFINITY;
  private lastHalving = Number.NEGATIVE_INFINITY;
  private busiest = 0;
  private inFlight = 0;
  private lastUserStart = Number.NEGATIVE_INFINITY;

  constructor(ratePerSecond: number, now: number) {
    this.rate = ratePerSecond;
    this.tokens = this.burst;
    this.refilledAt = now;
  }

  /** The instance's full share, requests per second. */
  get fullRate(): number {
    return this.rate;
  }

  /** How many requests may go out at once after a quiet moment. */
  get burst(): number {
    return Math.max(1, Math.ceil(this.rate / 4));
  }

  setRate(ratePerSecond: number, now: number): void {
    this.refill(now);
    this.rate = ratePerSecond;
    this.tokens = Math.min(this.tokens, this.burst);
  }

  /** The share of the full rate allowed at `now` (1 unless a 429 slowed the client down). */
  factorAt(now: number): number {
    if (now < this.holdUntil) return this.slowedTo;
    return Math.min(1, this.slowedTo + ((now - this.holdUntil) / 1000) * RECOVERY_PER_SECOND);
  }

  rateAt(now: number): number {
    return this.rate * this.factorAt(now);
  }

  /** How many requests of this priority may be in flight (started, not yet answered) at `now`. */
  inFlightCapAt(now: number, priority: StripePriority): number {
    const cap = Math.max(1, Math.ceil(this.rateAt(now) / 4));
    return this.leavesRoomForUsers(now, priority) ? Math.max(1, cap - 1) : cap;
  }

  /**
   * Milliseconds until a request of this priority may start; 0 means now. Infinity while the in-flight
   * cap is reached: the next `finish()` is what frees a turn.
   */
  waitMs(now: number, priority: StripePriority): number {
    if (this.inFlight >= this.inFlightCapAt(now, priority)) return Number.POSITIVE_INFINITY;
    this.refill(now);
    this.forgetStartsBefore(now - BUDGET_WINDOW_MS);
    let wait = 0;
    const cap = this.capPerWindow(now, priority);
    if (this.starts.length >= cap) wait = this.starts[this.starts.length - cap]! + BUDGET_WINDOW_MS - now;
    if (this.tokens < 1) wait = Math.max(wait, ((1 - this.tokens) / this.rateAt(now)) * 1000);
    return Math.max(0, Math.ceil(wait));
  }

  /** Records a request started at `now` (after `waitMs(now, priority)` said 0); `finish()` when it is answered. */
  take(now: number, priority: StripePriority): void {
    if (priority === 'user') this.lastUserStart = now;
    this.refill(now);
    this.tokens -= 1;
    this.inFlight++;
    this.starts.push(now);
    let withinSecond = 0;
    for (const start of this.starts) if (start > now - 1000) withinSecond++;
    this.busiest = Math.max(this.busiest, withinSecond);
  }

  /** A request started by `take` was answered (or failed): it no longer counts as in flight. */
  finish(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  /** The most requests started within any one second so far (by this clock): what Stripe could see. */
  get busiestSecond(): number {
    return this.busiest;
  }

  /** Stripe answered 429. */
  slowDown(now: number): void {
    this.refill(now);
    this.holdUntil = now + SLOWDOWN_HOLD_MS;
    this.tokens = Math.min(this.tokens, 0);
    if (now - this.lastHalving < SLOWDOWN_DEBOUNCE_MS) return;
    this.slowedTo = Math.max(MIN_RATE_FACTOR, this.factorAt(now) / 2);
    this.lastHalving = now;
  }

  private capPerWindow(now: number, priority: StripePriority): number {
    const cap = Math.max(1, Math.floor(this.rateAt(now)));
    if (!this.leavesRoomForUsers(now, priority)) return cap;
    return Math.max(1, cap - Math.floor(cap * USER_RESERVE));
  }

  private leavesRoomForUsers(now: number, priority: StripePriority): boolean {
    return priority === 'background' && now - this.lastUserStart < USER_ACTIVE_MS;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.refilledAt);
    this.tokens = Math.min(this.burst, this.tokens + (elapsed / 1000) * this.rateAt(now));
    this.refilledAt = Math.max(now, this.refilledAt);
  }

  private forgetStartsBefore(moment: number): void {
    let old = 0;
    while (old < this.starts.length && this.starts[old]! <= moment) old++;
    if (old > 0) this.starts = this.starts.slice(old);
  }
}

export interface RateLimitedAttempt {
  priority: StripePriority;
  /** 1 for the first 429 of this request. */
  attempt: number;
  /** Since the request first asked for its turn. */
  elapsedMs: number;
  /** Stripe's `Stripe-Should-Retry` header, if it sent one. */
  shouldRetry?: string;
  /** In [0, 1): spreads retries of requests that failed together. */
  random: number;
}

/** A user waits: one or two quick retries within a short budget, then 503 as before. */
export const USER_RETRY = { attempts: 2, baseDelayMs: 250, maxDelayMs: 1_000, budgetMs: 2_000 };
/** Background work keeps retrying for a long while, then fails as before (its event is retried later). */
export const BACKGROUND_RETRY = { attempts: Infinity, baseDelayMs: 500, maxDelayMs: 8_000, budgetMs: 60_000 };

/** How long to wait before sending a request Stripe answered 429 again, or null to give up. */
export function rateLimitRetryDelay(attempt: RateLimitedAttempt): number | null {
  if (attempt.shouldRetry === 'false') return null;
  const policy = attempt.priority === 'user' ? USER_RETRY : BACKGROUND_RETRY;
  if (attempt.attempt > policy.attempts) return null;
  const backoff = Math.min(policy.baseDelayMs * 2 ** (attempt.attempt - 1), policy.maxDelayMs);
  const delay = Math.round(backoff * (0.5 + attempt.random / 2));
  if (attempt.elapsedMs + delay > policy.budgetMs) return null;
  return delay;
}
