import type { Operation } from '../operation';
import { SECONDS_PER_DAY, type StripeClock } from '../time';
import type { SubscriptionObject } from '../types';
import { advancePeriod } from './lifecycle';
import { currentPeriodEnd } from './subscriptions';

/** Stripe sends `customer.subscription.trial_will_end` three days before a trial ends. */
const TRIAL_WILL_END_NOTICE_SECONDS = 3 * SECONDS_PER_DAY;

/** Statuses whose period end does something (a renewal, a trial ending, a scheduled cancellation). */
const PERIODIC: SubscriptionObject['status'][] = ['active', 'trialing', 'past_due', 'unpaid'];

/** More steps than any test needs (a year of daily renewals of a few subscriptions); stops a runaway loop. */
const MAX_STEPS = 5_000;

/**
 * Which subscriptions time passes for. Stripe attaches customers to a test clock; the double has one
 * clock, so a customer named here is as if alone on it: the others' due dates wait (as they do until
 * a scenario acts on them) and fall due at the next advance that includes them.
 */
export interface ClockScope {
  customer?: string;
}

interface Happening {
  at: number;
  subscription: SubscriptionObject;
  kind: 'trial_will_end' | 'period_end';
}

/**
 * Moves the double's time forward by `seconds` the way a Stripe test clock advances: whatever falls
 * due on the way happens in time order, with the clock set to its moment (so events are `created`
 * then): a trial's `customer.subscription.trial_will_end` three days before it ends, and every period
 * end (the trial ending — canceled, paused or invoiced as its `trial_settings` say when there is no
 * payment method —, a renewal charged, a scheduled cancellation). Returns the subscriptions touched.
 */
export function advanceClock(
  operation: Operation,
  clock: StripeClock,
  seconds: number,
  scope: ClockScope = {},
): SubscriptionObject[] {
  const from = clock.now();
  const target = from + seconds;
  const noticed = new Set<string>();
  const touched = new Map<string, SubscriptionObject>();
  for (let step = 0; ; step++) {
    if (step === MAX_STEPS) throw new Error(`advanceClock: more than ${MAX_STEPS} happenings`);
    const next = nextHappening(operation, scope, { from, target }, noticed);
    if (!next) break;
    moveClockTo(clock, next.at);
    touched.set(next.subscription.id, next.subscription);
    if (next.kind === 'trial_will_end') {
      noticed.add(trialKey(next.subscription));
      operation.emit('customer.subscription.trial_will_end', next.subscription);
    } else {
      advancePeriod(operation, next.subscription, {});
    }
  }
  moveClockTo(clock, target);
  return [...touched.values()];
}

function nextHappening(
  operation: Operation,
  scope: ClockScope,
  { from, target }: { from: number; target: number },
  noticed: Set<string>,
): Happening | null {
  let next: Happening | null = null;
  const consider = (candidate: Happening) => {
    if (candidate.at <= target && (!next || candidate.at < next.at)) next = candidate;
  };
  for (const subscription of operation.store.subscriptions.all()) {
    if (!PERIODIC.includes(subscription.status)) continue;
    if (scope.customer !== undefined && subscription.customer !== scope.customer) continue;
    const trialEnd = subscription.trial_end;
    if (subscription.status === 'trialing' && trialEnd !== null && !noticed.has(trialKey(subscription))) {
      // A notice due before `from` was sent already (at creation, or by an earlier advance).
      const notice = trialEnd - TRIAL_WILL_END_NOTICE_SECONDS;
      if (notice > from) consider({ at: notice, subscription, kind: 'trial_will_end' });
    }
    consider({ at: currentPeriodEnd(subscription), subscription, kind: 'period_end' });
  }
  return next;
}

function trialKey(subscription: SubscriptionObject): string {
  return `${subscription.id}:${subscription.trial_end}`;
}

function moveClockTo(clock: StripeClock, at: number): void {
  const now = clock.now();
  if (at > now) clock.advance(at - now);
}
