import type { RecordedRequest } from './request-log';

/** How Stripe behaves under load, when a test asks for it (`double.behaveLikeStripe(…)`). */
export interface StripeBehaviour {
  /**
   * Every answer leaves after this many milliseconds, or after a delay drawn uniformly from
   * `[min, max]` (Stripe's reads take ~80–300 ms from outside its network).
   */
  latencyMs?: number | readonly [number, number];
  /**
   * Requests accepted in any one second (a sliding window), all endpoints together; those beyond it
   * are answered 429. Stripe allows 25 in test mode (sandboxes) and 100 in live mode.
   */
  maxRps?: number;
  /**
   * Requests accepted in any one second per endpoint (a method and route: `GET /v1/subscriptions/:id`
   * for every id); Stripe's default is 25.
   */
  maxRpsPerEndpoint?: number;
}

/** The value of Stripe's `Stripe-Rate-Limited-Reason` header for the limit a request exceeded. */
export type RateLimitReason = 'global-rate' | 'endpoint-rate';

const WINDOW_MS = 1000;

/** Timestamps of accepted requests within the last second. */
class SlidingWindow {
  private readonly times: number[] = [];

  full(now: number, limit: number): boolean {
    while ((this.times[0] ?? Infinity) <= now - WINDOW_MS) this.times.shift();
    return this.times.length >= limit;
  }

  add(now: number): void {
    this.times.push(now);
  }
}

/**
 * Latency and rate limits, off until a test switches them on. A request over a limit is not counted
 * against it (as with Stripe's token buckets), so a client that keeps to the limit is never refused.
 */
export class StripeLoad {
  private behaviour: StripeBehaviour | undefined;
  private global = new SlidingWindow();
  private endpoints = new Map<string, SlidingWindow>();

  set(behaviour: StripeBehaviour | undefined): void {
    for (const limit of [behaviour?.maxRps, behaviour?.maxRpsPerEndpoint]) {
      if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
        throw new Error('a rate limit must be a positive integer');
      }
    }
    const latency = behaviour?.latencyMs;
    const [min, max] = typeof latency === 'number' ? [latency, latency] : (latency ?? [0, 0]);
    if (!(min >= 0 && max >= min)) throw new Error('latencyMs must be a delay or a [min, max] range');
    this.behaviour = behaviour;
    this.global = new SlidingWindow();
    this.endpoints = new Map();
  }

  /** Admits a request, or names the limit it exceeds. `endpoint` identifies its method and route. */
  admit(endpoint: string, now = performance.now()): RateLimitReason | undefined {
    const { maxRps, maxRpsPerEndpoint } = this.behaviour ?? {};
    let window = this.endpoints.get(endpoint);
    if (maxRps !== undefined && this.global.full(now, maxRps)) return 'global-rate';
    if (maxRpsPerEndpoint !== undefined) {
      if (!window) this.endpoints.set(endpoint, (window = new SlidingWindow()));
      if (window.full(now, maxRpsPerEndpoint)) return 'endpoint-rate';
      window.add(now);
    }
    if (maxRps !== undefined) this.global.add(now);
    return undefined;
  }

  /** How long the next answer waits: 0 unless latency is switched on. */
  latency(): number {
    const latency = this.behaviour?.latencyMs;
    if (latency === undefined) return 0;
    if (typeof latency === 'number') return latency;
    const [min, max] = latency;
    return min + Math.random() * (max - min);
  }
}

/** What a bench or test wants to know of the requests Stripe received. */
export interface TrafficSummary {
  requests: number;
  /** Answered 429 by the rate limits of `behaveLikeStripe` (not by `failNext`). */
  rateLimited: number;
  /** The most requests received within any one second (a sliding window). */
  peakPerSecond: number;
  /** The most requests within any one second that were not rate limited: what Stripe served. */
  peakAcceptedPerSecond: number;
  /** Requests received in each whole second from the first one on (index 0 is the first second). */
  perSecond: number[];
}

export function summarizeTraffic(requests: readonly RecordedRequest[]): TrafficSummary {
  const times = requests.map((request) => request.receivedAt.getTime()).sort((a, b) => a - b);
  const accepted = requests
    .filter((request) => !request.rateLimited)
    .map((request) => request.receivedAt.getTime())
    .sort((a, b) => a - b);
  const perSecond: number[] = [];
  const start = times[0] ?? 0;
  for (const time of times) {
    const second = Math.floor((time - start) / WINDOW_MS);
    while (perSecond.length <= second) perSecond.push(0);
    perSecond[second] = (perSecond[second] ?? 0) + 1;
  }
  return {
    requests: requests.length,
    rateLimited: requests.length - accepted.length,
    peakPerSecond: peakInWindow(times),
    peakAcceptedPerSecond: peakInWindow(accepted),
    perSecond,
  };
}

/** The most of the sorted times that fall within one window. */
function peakInWindow(sorted: readonly number[]): number {
  let peak = 0;
  let first = 0;
  sorted.forEach((time, last) => {
    while (time - (sorted[first] ?? time) >= WINDOW_MS) first++;
    peak = Math.max(peak, last - first + 1);
  });
  return peak;
}
