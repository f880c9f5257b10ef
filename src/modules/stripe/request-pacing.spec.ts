import {
  BACKGROUND_RETRY,
  BUDGET_WINDOW_MS,
  MIN_RATE_FACTOR,
  rateLimitRetryDelay,
  RequestBudget,
  SLOWDOWN_HOLD_MS,
  USER_ACTIVE_MS,
  USER_RETRY,
} from './request-pacing';

/**
 * Starts as many requests as the budget lets through between `from` and `to`, each as early as
 * allowed and answered at once.
 */
function runFlatOut(budget: RequestBudget, from: number, to: number): number[] {
  const starts: number[] = [];
  let now = from;
  while (now < to) {
    const wait = budget.waitMs(now, 'background');
    if (wait === 0) {
      budget.take(now, 'background');
      budget.finish();
      starts.push(now);
    } else {
      now += wait;
    }
  }
  return starts;
}

/**
 * Keeps the budget busy for `durationMs` with requests whose sending is delayed by `sendDelay` (a
 * stalled event loop) and whose answers take `latency`; returns when Stripe received each request.
 */
function runWithDelays(
  budget: RequestBudget,
  durationMs: number,
  sendDelay: (start: number) => number,
  latency: () => number,
  { answeredWhenStarted = false } = {},
): number[] {
  const arrivals: number[] = [];
  const answers: number[] = [];
  let now = 0;
  while (now < durationMs) {
    const wait = budget.waitMs(now, 'background');
    if (wait === 0) {
      budget.take(now, 'background');
      const arrival = now + sendDelay(now);
      arrivals.push(arrival);
      if (answeredWhenStarted) budget.finish();
      else answers.push(arrival + latency());
      answers.sort((a, b) => a - b);
      continue;
    }
    const nextAnswer = answers[0] ?? Number.POSITIVE_INFINITY;
    if (nextAnswer <= now + wait) {
      now = Math.max(now, nextAnswer);
      answers.shift();
      budget.finish();
    } else {
      now += wait;
    }
  }
  return arrivals.sort((a, b) => a - b);
}

function mostInAnySecond(starts: number[]): number {
  let most = 0;
  for (let first = 0; first < starts.length; first++) {
    let last = first;
    while (last + 1 < starts.length && starts[last + 1]! < starts[first]! + 1000) last++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

describe('the request budget', () => {
  it('lets a small burst through at once, then paces at the rate', () => {
    const budget = new RequestBudget(20, 0);
    expect(budget.burst).toBe(5);
    const starts = runFlatOut(budget, 0, 10_000);
    expect(starts.filter((start) => start === 0)).toHaveLength(5);
    expect(starts.length).toBeGreaterThanOrEqual(180);
    expect(starts.length).toBeLessThanOrEqual(200);
  });

  it('never starts more than the rate within any second, whatever piled up', () => {
    for (const rate of [1, 5, 20, 100]) {
      const budget = new RequestBudget(rate, 0);
      const starts = [...runFlatOut(budget, 0, 3_000), ...runFlatOut(budget, 60_000, 63_000)];
      expect(mostInAnySecond(starts)).toBeLessThanOrEqual(rate);
    }
  });

  it('reports the most requests it started within one second, as Stripe would count them', () => {
    const budget = new RequestBudget(20, 0);
    const starts = runFlatOut(budget, 0, 5_000);
    expect(budget.busiestSecond).toBe(mostInAnySecond(starts));
    expect(budget.busiestSecond).toBeLessThanOrEqual(20);
    for (const moment of [6_000, 6_000, 6_000, 6_500]) budget.take(moment, 'background');
    expect(budget.busiestSecond).toBe(mostInAnySecond(starts));
  });

  it('keeps a quarter of the rate in flight at most; an answer frees a turn at once', () => {
    const budget = new RequestBudget(20, 0);
    expect(budget.inFlightCapAt(0, 'background')).toBe(5);
    for (let started = 0; started < 5; started++) {
      expect(budget.waitMs(0, 'background')).toBe(0);
      budget.take(0, 'background');
    }
    expect(budget.waitMs(2_000, 'background')).toBe(Number.POSITIVE_INFINITY);
    budget.finish();
    expect(budget.waitMs(2_000, 'background')).toBe(0);
    budget.slowDown(2_000);
    expect(budget.inFlightCapAt(2_000, 'background')).toBe(3);
  });

  it('lets Stripe receive at most the rate plus the in-flight cap in any second, however late requests go out', () => {
    let seed = 7;
    const random = () => (seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647;
    // A busy event loop: half the requests go out only when it next gets round to them (every 2 s).
    const stalled = (start: number) => (random() < 0.5 ? Math.ceil(start / 2_000) * 2_000 - start : 0);
    const latency = () => 80 + 220 * random();
    for (const rate of [4, 20, 100]) {
      const limit = rate + new RequestBudget(rate, 0).inFlightCapAt(0, 'background');
      const capped = runWithDelays(new RequestBudget(rate, 0), 60_000, stalled, latency);
      expect(mostInAnySecond(capped)).toBeLessThanOrEqual(limit);
      expect(capped.length).toBeGreaterThan(rate * 10);
      // Counted as answered at once, the same delays pile up beyond the limit.
      const uncapped = runWithDelays(new RequestBudget(rate, 0), 60_000, stalled, () => 0, {
        answeredWhenStarted: true,
      });
      expect(mostInAnySecond(uncapped)).toBeGreaterThan(limit);
    }
  });

  it('while users are active, leaves them a fifth of each window and one in-flight turn; then gives it back', () => {
    const budget = new RequestBudget(20, 0);
    budget.take(0, 'user');
    budget.finish();
    const background = runFlatOut(budget, 0, 3_000);
    expect(mostInAnySecond(background)).toBe(16);
    expect(budget.inFlightCapAt(3_000, 'background')).toBe(4);
    expect(budget.inFlightCapAt(3_000, 'user')).toBe(5);
    // The room left: a user's request goes out at once, where background work waits.
    expect(budget.waitMs(3_000, 'background')).toBeGreaterThan(0);
    expect(budget.waitMs(3_000, 'user')).toBe(0);
    const afterUsers = runFlatOut(budget, USER_ACTIVE_MS + BUDGET_WINDOW_MS, USER_ACTIVE_MS + 4_000);
    expect(mostInAnySecond(afterUsers)).toBe(20);
    expect(budget.inFlightCapAt(USER_ACTIVE_MS + 4_000, 'background')).toBe(5);
  });

  it('keeps at least one request per window however small the share', () => {
    const budget = new RequestBudget(0.5, 0);
    const starts = runFlatOut(budget, 0, 10_000);
    expect(starts.length).toBeGreaterThanOrEqual(4);
    expect(starts.length).toBeLessThanOrEqual(6);
  });

  it('halves the rate after a 429, holds it, then climbs back gradually', () => {
    const budget = new RequestBudget(20, 0);
    budget.slowDown(1_000);
    expect(budget.rateAt(1_000)).toBe(10);
    expect(budget.rateAt(1_000 + SLOWDOWN_HOLD_MS - 1)).toBe(10);
    const climbing = budget.rateAt(1_000 + SLOWDOWN_HOLD_MS + 1_000);
    expect(climbing).toBeGreaterThan(10);
    expect(climbing).toBeLessThan(20);
    expect(budget.rateAt(1_000 + SLOWDOWN_HOLD_MS + 10_000)).toBe(20);
  });

  it('halves once for 429s that answer requests sent together, again for a later one', () => {
    const budget = new RequestBudget(20, 0);
    for (const at of [1_000, 1_010, 1_200, 1_900]) budget.slowDown(at);
    expect(budget.rateAt(2_000)).toBe(10);
    budget.slowDown(2_500);
    expect(budget.rateAt(2_500)).toBe(5);
    for (let at = 4_000; at < 20_000; at += 1_100) budget.slowDown(at);
    expect(budget.factorAt(20_000)).toBe(MIN_RATE_FACTOR);
  });

  it('spends nothing right after a 429 and sends fewer while slowed', () => {
    const budget = new RequestBudget(20, 0);
    runFlatOut(budget, 0, 2_000);
    budget.slowDown(2_000);
    expect(budget.waitMs(2_000, 'background')).toBeGreaterThan(0);
    const slowed = runFlatOut(budget, 2_000, 2_000 + SLOWDOWN_HOLD_MS);
    expect(slowed.length).toBeLessThanOrEqual(10 * (SLOWDOWN_HOLD_MS / 1000) + 1);
    expect(mostInAnySecond(slowed)).toBeLessThanOrEqual(10);
  });

  it('takes a new share (another instance came or went) from the next request on', () => {
    const budget = new RequestBudget(20, 0);
    runFlatOut(budget, 0, 5_000);
    budget.setRate(10, 5_000);
    expect(budget.burst).toBe(3);
    const after = runFlatOut(budget, 5_000 + BUDGET_WINDOW_MS, 15_000);
    expect(mostInAnySecond(after)).toBeLessThanOrEqual(10);
  });
});

describe('retrying a 429', () => {
  const first = { attempt: 1, elapsedMs: 0, random: 0 };

  it('gives a user one or two quick retries within a short budget', () => {
    expect(rateLimitRetryDelay({ ...first, priority: 'user' })).toBe(USER_RETRY.baseDelayMs / 2);
    expect(rateLimitRetryDelay({ ...first, priority: 'user', attempt: 2, random: 0.999 })).toBe(500);
    expect(rateLimitRetryDelay({ ...first, priority: 'user', attempt: 3 })).toBeNull();
    expect(rateLimitRetryDelay({ ...first, priority: 'user', elapsedMs: 1_900 })).toBeNull();
  });

  it('keeps background work retrying, backing off, until a generous budget is spent', () => {
    const delays = [1, 2, 3, 4, 5, 6, 10].map((attempt) =>
      rateLimitRetryDelay({ ...first, priority: 'background', attempt }),
    );
    expect(delays).toEqual([250, 500, 1_000, 2_000, 4_000, 4_000, 4_000]);
    expect(
      rateLimitRetryDelay({ ...first, priority: 'background', attempt: 30, elapsedMs: 50_000 }),
    ).not.toBeNull();
    expect(
      rateLimitRetryDelay({
        ...first,
        priority: 'background',
        attempt: 9,
        elapsedMs: BACKGROUND_RETRY.budgetMs,
      }),
    ).toBeNull();
  });

  it('gives up at once when Stripe says not to retry, and retries when it says to', () => {
    expect(rateLimitRetryDelay({ ...first, priority: 'background', shouldRetry: 'false' })).toBeNull();
    expect(rateLimitRetryDelay({ ...first, priority: 'user', shouldRetry: 'true' })).not.toBeNull();
  });
});
