import { isLive, planAccess, SubscriptionState } from './access-policy';

const NOW = new Date('2026-03-15T12:00:00Z');
const HOUR_MS = 60 * 60 * 1000;
const before = new Date(NOW.getTime() - HOUR_MS);
const after = new Date(NOW.getTime() + HOUR_MS);

function subscription(overrides: Partial<SubscriptionState>): SubscriptionState {
  return {
    status: 'active',
    cancelAtPeriodEnd: false,
    currentPeriodEnd: after,
    graceUntil: null,
    ...overrides,
  };
}

describe('planAccess (SPEC: Access policy)', () => {
  it('gives only the default plan, 402 subscription_required, to a user who never subscribed', () => {
    expect(planAccess(null, NOW)).toEqual({ grants: 'default', denial: 'subscription_required' });
  });

  it('grants the plan while active or trialing', () => {
    for (const status of ['active', 'trialing']) {
      expect(planAccess(subscription({ status }), NOW)).toEqual({ grants: 'plan' });
    }
  });

  it('keeps granting a subscription whose period ran out when it is not cancelling (renewal pending)', () => {
    for (const status of ['active', 'trialing']) {
      expect(planAccess(subscription({ status, currentPeriodEnd: before }), NOW)).toEqual({ grants: 'plan' });
    }
  });

  it('grants a subscription cancelling at period end until that end, then asks for a subscription', () => {
    const cancelling = { cancelAtPeriodEnd: true, currentPeriodEnd: after };
    expect(planAccess(subscription(cancelling), NOW)).toEqual({ grants: 'plan' });
    expect(planAccess(subscription(cancelling), after)).toEqual({
      grants: 'default',
      denial: 'subscription_required',
    });
  });

  it('grants past_due during the grace period and answers past_due once it ends', () => {
    const pastDue = subscription({ status: 'past_due', graceUntil: after });
    expect(planAccess(pastDue, NOW)).toEqual({ grants: 'plan' });
    expect(planAccess(pastDue, after)).toEqual({ grants: 'default', denial: 'past_due' });
  });

  it('answers past_due at once for a past_due subscription with no grace period recorded', () => {
    expect(planAccess(subscription({ status: 'past_due', graceUntil: null }), NOW)).toEqual({
      grants: 'default',
      denial: 'past_due',
    });
  });

  it('answers payment_pending while the first payment is unconfirmed (incomplete)', () => {
    expect(planAccess(subscription({ status: 'incomplete' }), NOW)).toEqual({
      grants: 'default',
      denial: 'payment_pending',
    });
  });

  it('answers subscription_paused while paused, even inside a paid period', () => {
    expect(planAccess(subscription({ status: 'paused', currentPeriodEnd: after }), NOW)).toEqual({
      grants: 'default',
      denial: 'subscription_paused',
    });
  });

  it('gives only the default plan, 402 subscription_required, when canceled, unpaid or incomplete_expired', () => {
    for (const status of ['canceled', 'unpaid', 'incomplete_expired']) {
      expect(planAccess(subscription({ status, graceUntil: after }), NOW)).toEqual({
        grants: 'default',
        denial: 'subscription_required',
      });
    }
  });
});

describe('isLive', () => {
  it('counts every status Stripe can still bill or resume as the current subscription (no second checkout)', () => {
    for (const status of ['active', 'trialing', 'past_due', 'incomplete', 'paused', 'unpaid']) {
      expect(isLive(status)).toBe(true);
    }
  });

  it('counts canceled, incomplete_expired and unknown statuses as over', () => {
    for (const status of ['canceled', 'incomplete_expired', 'anything_else'])
      expect(isLive(status)).toBe(false);
  });
});
