import {
  isDuplicateIdentifier,
  MAX_RETRY_DELAY_MS,
  outcomeOfFailure,
  retryDelayMs,
} from './meter-event-retry';

const NOW = new Date('2026-11-30T12:00:00Z');
const noJitter = () => 0;

describe('meter event retries', () => {
  it('doubles the wait from the base per attempt, never past a minute', () => {
    expect([1, 2, 3, 4].map((attempts) => retryDelayMs(attempts, 1_000, noJitter))).toEqual([
      1_000, 2_000, 4_000, 8_000,
    ]);
    expect(retryDelayMs(40, 1_000, noJitter)).toBe(MAX_RETRY_DELAY_MS);
    expect(retryDelayMs(40, 1_000, () => 1)).toBe(MAX_RETRY_DELAY_MS * 0.75);
  });

  it('retries while Stripe is unreachable, failing, or not configured, however old the event', () => {
    for (const code of ['stripe_unavailable', 'billing_not_configured', 'conflict', null]) {
      const outcome = outcomeOfFailure({ code, message: 'down', stripeCode: null }, 3, NOW, 1_000, noJitter);
      expect(outcome).toEqual({ kind: 'retry', at: new Date(NOW.getTime() + 4_000), reason: 'down' });
    }
  });

  it("stops at Stripe's rejection of the event, with Stripe's reason", () => {
    const failure = {
      code: 'stripe_rejected',
      message: "No such customer: 'cus_x'",
      stripeCode: 'resource_missing',
    };
    expect(outcomeOfFailure(failure, 1, NOW, 1_000)).toEqual({ kind: 'failed', reason: failure.message });
  });

  it('counts a rejection of a known identifier as sent: an earlier attempt got through', () => {
    const byCode = { code: 'stripe_rejected', message: 'x', stripeCode: 'resource_already_exists' };
    const byWords = {
      code: 'stripe_rejected',
      message: 'A meter event with identifier `tg_1` already exists.',
      stripeCode: null,
    };
    for (const failure of [byCode, byWords]) {
      expect(isDuplicateIdentifier(failure)).toBe(true);
      expect(outcomeOfFailure(failure, 2, NOW, 1_000)).toEqual({ kind: 'sent' });
    }
    expect(isDuplicateIdentifier({ ...byWords, code: 'stripe_unavailable' })).toBe(false);
  });
});
