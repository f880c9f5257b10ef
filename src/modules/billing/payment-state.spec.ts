import { PaymentOutcome, paymentState } from './payment-state';

const GRACE_DAYS = 7;
const DAY_MS = 24 * 60 * 60 * 1000;
const NOW = new Date('2026-03-15T12:00:00Z');

const at = (iso: string) => new Date(iso);
const failed = (iso: string): PaymentOutcome => ({ kind: 'failed', at: at(iso) });
const paid = (iso: string): PaymentOutcome => ({ kind: 'paid', at: at(iso) });
const daysAfter = (iso: string, days: number) => new Date(at(iso).getTime() + days * DAY_MS);

type Previous = Parameters<typeof paymentState>[0];
function previous(overrides: Partial<NonNullable<Previous>> = {}): NonNullable<Previous> {
  return { firstFailedPaymentAt: null, lastPaidAt: null, pausedAt: null, ...overrides };
}

/** The sync's view after one event: the stored row, Stripe's status, the event's payment outcome. */
function state(prev: Previous, status: string, payment?: PaymentOutcome) {
  return paymentState(prev, status, payment, GRACE_DAYS, NOW).state;
}

describe('paymentState: the grace period', () => {
  it('starts grace at the failed payment and lasts BILLING_GRACE_DAYS from it, not from when we heard', () => {
    const result = state(previous(), 'past_due', failed('2026-03-10T08:00:00Z'));
    expect(result.firstFailedPaymentAt).toEqual(at('2026-03-10T08:00:00Z'));
    expect(result.graceUntil).toEqual(daysAfter('2026-03-10T08:00:00Z', GRACE_DAYS));
  });

  it('does not extend grace when a retry fails again', () => {
    const inGrace = previous({ firstFailedPaymentAt: at('2026-03-10T08:00:00Z') });
    const result = state(inGrace, 'past_due', failed('2026-03-13T08:00:00Z'));
    expect(result.graceUntil).toEqual(daysAfter('2026-03-10T08:00:00Z', GRACE_DAYS));
  });

  it('moves grace earlier when an older failure arrives late (events out of order)', () => {
    const inGrace = previous({ firstFailedPaymentAt: at('2026-03-13T08:00:00Z') });
    const result = state(inGrace, 'past_due', failed('2026-03-10T08:00:00Z'));
    expect(result.graceUntil).toEqual(daysAfter('2026-03-10T08:00:00Z', GRACE_DAYS));
  });

  it('ends grace with a paid invoice after the failure', () => {
    const inGrace = previous({ firstFailedPaymentAt: at('2026-03-10T08:00:00Z') });
    const result = state(inGrace, 'active', paid('2026-03-12T08:00:00Z'));
    expect(result).toMatchObject({
      firstFailedPaymentAt: null,
      lastPaidAt: at('2026-03-12T08:00:00Z'),
      graceUntil: null,
    });
  });

  it('ignores a failure older than the last payment (a late delivery cannot restart grace)', () => {
    const paidUp = previous({ lastPaidAt: at('2026-03-12T08:00:00Z') });
    const result = state(paidUp, 'active', failed('2026-03-10T08:00:00Z'));
    expect(result).toMatchObject({ firstFailedPaymentAt: null, graceUntil: null });
  });

  it('keeps the newest payment when an older paid invoice arrives late', () => {
    const paidUp = previous({ lastPaidAt: at('2026-03-12T08:00:00Z') });
    expect(state(paidUp, 'active', paid('2026-02-12T08:00:00Z')).lastPaidAt).toEqual(
      at('2026-03-12T08:00:00Z'),
    );
  });

  it('does not let a payment older than the failure end grace', () => {
    const inGrace = previous({ firstFailedPaymentAt: at('2026-03-10T08:00:00Z') });
    const result = state(inGrace, 'past_due', paid('2026-03-01T08:00:00Z'));
    expect(result.graceUntil).toEqual(daysAfter('2026-03-10T08:00:00Z', GRACE_DAYS));
  });

  it('clears a recorded failure when Stripe reports the subscription active or trialing again', () => {
    const inGrace = previous({ firstFailedPaymentAt: at('2026-03-10T08:00:00Z') });
    for (const status of ['active', 'trialing']) {
      expect(state(inGrace, status)).toMatchObject({ firstFailedPaymentAt: null, graceUntil: null });
    }
  });

  it('starts grace now, and says so, when Stripe says past_due before the failed payment arrives', () => {
    const result = paymentState(previous(), 'past_due', undefined, GRACE_DAYS, NOW);
    expect(result.graceStartedUnseen).toBe(true);
    expect(result.state.graceUntil).toEqual(new Date(NOW.getTime() + GRACE_DAYS * DAY_MS));
  });

  it('does not flag a past_due sync whose failure is already known', () => {
    const inGrace = previous({ firstFailedPaymentAt: at('2026-03-10T08:00:00Z') });
    expect(paymentState(inGrace, 'past_due', undefined, GRACE_DAYS, NOW).graceStartedUnseen).toBe(false);
  });

  it('gives no grace once unpaid, but remembers when the failures began', () => {
    const inGrace = previous({ firstFailedPaymentAt: at('2026-03-10T08:00:00Z') });
    expect(state(inGrace, 'unpaid')).toMatchObject({
      firstFailedPaymentAt: at('2026-03-10T08:00:00Z'),
      graceUntil: null,
    });
  });

  it('gives no grace unless past_due', () => {
    for (const status of ['canceled', 'incomplete', 'incomplete_expired', 'paused']) {
      expect(state(previous(), status, failed('2026-03-10T08:00:00Z')).graceUntil).toBeNull();
    }
  });

  it('follows BILLING_GRACE_DAYS', () => {
    const result = paymentState(previous(), 'past_due', failed('2026-03-10T08:00:00Z'), 3, NOW);
    expect(result.state.graceUntil).toEqual(daysAfter('2026-03-10T08:00:00Z', 3));
  });
});

describe('paymentState: pauses', () => {
  it('records when a subscription was paused and keeps that moment on later syncs', () => {
    expect(state(previous(), 'paused').pausedAt).toEqual(NOW);
    const paused = previous({ pausedAt: at('2026-03-01T00:00:00Z') });
    expect(state(paused, 'paused').pausedAt).toEqual(at('2026-03-01T00:00:00Z'));
  });

  it('clears the pause once resumed', () => {
    expect(state(previous({ pausedAt: at('2026-03-01T00:00:00Z') }), 'active').pausedAt).toBeNull();
  });

  it('counts paused payment collection as a pause while the status stays active', () => {
    const collectionPaused = paymentState(previous(), 'active', undefined, GRACE_DAYS, NOW, true);
    expect(collectionPaused.state.pausedAt).toEqual(NOW);
    const later = previous({ pausedAt: at('2026-03-01T00:00:00Z') });
    expect(paymentState(later, 'active', undefined, GRACE_DAYS, NOW, true).state.pausedAt).toEqual(
      at('2026-03-01T00:00:00Z'),
    );
    expect(paymentState(later, 'active', undefined, GRACE_DAYS, NOW, false).state.pausedAt).toBeNull();
  });
});
