import type { Subscription } from '../../generated/prisma/client';

const DAY_MS = 24 * 60 * 60 * 1000;

/** A payment outcome that moves the grace period: when it happened, by Stripe's clock. */
export interface PaymentOutcome {
  kind: 'failed' | 'paid';
  at: Date;
}

export type PaymentState = Pick<
  Subscription,
  'firstFailedPaymentAt' | 'lastPaidAt' | 'graceUntil' | 'pausedAt'
>;

export interface PaymentStateResult {
  state: PaymentState;
  /** Stripe says past_due/unpaid before we saw the failed payment, so grace was started at `now`. */
  graceStartedUnseen: boolean;
}

/**
 * Grace starts at the first failed payment and ends with a later successful one; it lasts `graceDays`
 * and only counts while Stripe says past_due. Outcomes may arrive in any order: one older than the
 * last payment cannot restart grace. `pausedAt` is when we first saw the subscription paused: Stripe's
 * `paused` status, or its payment collection paused (`pause_collection`, status unchanged).
 */
export function paymentState(
  previous: Pick<Subscription, 'firstFailedPaymentAt' | 'lastPaidAt' | 'pausedAt'> | null,
  status: string,
  payment: PaymentOutcome | undefined,
  graceDays: number,
  now: Date,
  paused = status === 'paused',
): PaymentStateResult {
  let firstFailed = previous?.firstFailedPaymentAt ?? null;
  let lastPaid = previous?.lastPaidAt ?? null;
  let graceStartedUnseen = false;
  if (payment?.kind === 'paid') {
    lastPaid = latest(lastPaid, payment.at);
    if (firstFailed && firstFailed <= payment.at) firstFailed = null;
  }
  if (payment?.kind === 'failed' && !(lastPaid && lastPaid >= payment.at)) {
    firstFailed = firstFailed && firstFailed < payment.at ? firstFailed : payment.at;
  }
  if (status === 'active' || status === 'trialing') firstFailed = null;
  if ((status === 'past_due' || status === 'unpaid') && !firstFailed) {
    graceStartedUnseen = true;
    firstFailed = now;
  }
  const graceUntil =
    firstFailed && status === 'past_due' ? new Date(firstFailed.getTime() + graceDays * DAY_MS) : null;
  const pausedAt = paused ? (previous?.pausedAt ?? now) : null;
  return {
    state: { firstFailedPaymentAt: firstFailed, lastPaidAt: lastPaid, graceUntil, pausedAt },
    graceStartedUnseen,
  };
}

function latest(a: Date | null, b: Date): Date {
  return a && a > b ? a : b;
}
