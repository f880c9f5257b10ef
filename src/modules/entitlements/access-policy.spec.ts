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

  it.each(['active', 'trialing'])('grants the plan while %s', (status) => {
    expect(planAccess(subscription({ status }), NOW)).toEqual({ grants: 'plan' });
  });

  it.each(['active', 'trialing'])(
    'keeps granting a %s subscription whose period ran out when it is not cancelling (renewal pending)',
    (status) => {
      expect(planAccess(subscription({ status, currentPeriodEnd: before }), NOW)).toEqual({ grants: 'plan' });
    },
  );

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

  it.each(['canceled', 'unpaid', 'incomplete_expired'])(
    'gives only the default plan, 402 subscription_required, when %s',
    (status) => {
      expect(planAccess(subscription({ status, graceUntil: after }), NOW)).toEqual({
        grants: 'default',
        denial: 'subscription_required',
      });
    },
  );
});

describe('isLive', () => {
  it.each(['active', 'trialing', 'past_due', 'incomplete', 'paused', 'unpaid'])(
    'counts a %s subscription as the current one (it blocks a second checkout)',
    (status) => expect(isLive(status)).toBe(true),
  );

  it.each(['canceled', 'incomplete_expired', 'anything_else'])('counts %s as over', (status) =>
    expect(isLive(status)).toBe(false),
  );
});
