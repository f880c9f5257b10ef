import { computeEntitlements, EntitlementInputs, SubscriptionWithPlanFeatures } from './compute-entitlements';

const NOW = new Date('2026-03-15T12:00:00Z');
const DAY_MS = 24 * 60 * 60 * 1000;
const inDays = (days: number) => new Date(NOW.getTime() + days * DAY_MS);

const FREE = [
  { key: 'projects', limit: 1 },
  { key: 'api', limit: null },
];
const PRO_FEATURES = [
  { key: 'projects', limit: 10 },
  { key: 'exports', limit: null },
];

function pro(overrides: Partial<SubscriptionWithPlanFeatures> = {}): SubscriptionWithPlanFeatures {
  return {
    status: 'active',
    priceId: 'price-row-1',
    currentPeriodEnd: inDays(20),
    cancelAtPeriodEnd: false,
    trialEnd: null,
    graceUntil: null,
    quantity: 1,
    pausedAt: null,
    price: { plan: { key: 'pro', features: PRO_FEATURES } },
    ...overrides,
  };
}

function compute(overrides: Partial<EntitlementInputs>) {
  const inputs: EntitlementInputs = {
    accountId: 'account-1',
    accountName: 'Acme',
    subscription: null,
    defaultFeatures: FREE,
    grants: [],
    creditBalance: 0,
    ...overrides,
  };
  return computeEntitlements(inputs, NOW);
}

const limits = (entitlements: ReturnType<typeof compute>) =>
  Object.fromEntries(
    [...entitlements.features].map(([key, feature]) => [key, [feature.source, feature.limit]]),
  );

describe('computeEntitlements', () => {
  it('gives a user without a subscription the default plan, and the reason the rest is closed', () => {
    const result = compute({ creditBalance: 4 });
    expect(limits(result)).toEqual({ projects: ['default', 1], api: ['default', null] });
    expect(result).toMatchObject({
      subscription: null,
      subscribedPlanKey: null,
      denial: 'subscription_required',
      creditBalance: 4,
      validUntil: null,
    });
  });

  it("lays an active plan's features over the default plan's (the plan's limit wins)", () => {
    const result = compute({ subscription: pro() });
    expect(limits(result)).toEqual({
      projects: ['plan', 10],
      api: ['default', null],
      exports: ['plan', null],
    });
    expect(result).toMatchObject({ subscribedPlanKey: 'pro', denial: null });
  });

  it('keeps the plan during grace and says when grace ends', () => {
    const result = compute({ subscription: pro({ status: 'past_due', graceUntil: inDays(3) }) });
    expect(result.features.get('exports')?.source).toBe('plan');
    expect(result.validUntil).toEqual(inDays(3));
  });

  it('withholds the plan after grace but still knows which plan the user has (so 402 says past_due)', () => {
    const result = compute({ subscription: pro({ status: 'past_due', graceUntil: inDays(-1) }) });
    expect(limits(result)).toEqual({ projects: ['default', 1], api: ['default', null] });
    expect(result.subscribedPlanKey).toBe('pro');
    expect([...result.subscribedPlanFeatures]).toEqual(['projects', 'exports']);
    expect(result.denial).toBe('past_due');
    expect(result.validUntil).toBeNull();
  });

  it('forgets the plan of a canceled subscription but still reports the subscription', () => {
    const result = compute({ subscription: pro({ status: 'canceled' }) });
    expect(result.subscribedPlanKey).toBeNull();
    expect(result.subscribedPlanFeatures.size).toBe(0);
    expect(result.subscription).toMatchObject({ status: 'canceled', plan: 'pro' });
    expect(result.denial).toBe('subscription_required');
  });

  it('lets an admin grant override both plans for its feature, until it expires', () => {
    const result = compute({
      subscription: pro(),
      grants: [
        { feature: 'projects', limit: 50, expiresAt: inDays(2) },
        { feature: 'beta', limit: null, expiresAt: null },
      ],
    });
    const notAQuota = { period: null, overage: null };
    expect(result.features.get('projects')).toEqual({
      limit: 50,
      source: 'grant',
      until: inDays(2),
      ...notAQuota,
    });
    expect(result.features.get('beta')).toEqual({ limit: null, source: 'grant', until: null, ...notAQuota });
    expect(result.validUntil).toEqual(inDays(2));
  });

  it('keeps a quota a quota when a grant changes its limit, and a free quota under a paid plan', () => {
    const result = compute({
      subscription: pro(),
      defaultFeatures: [{ key: 'analyses', limit: 20, period: 'day' }],
      grants: [{ feature: 'analyses', limit: 500, expiresAt: null }],
    });
    expect(result.features.get('analyses')).toMatchObject({ limit: 500, source: 'grant', period: 'day' });
    const withoutGrant = compute({
      subscription: pro(),
      defaultFeatures: [{ key: 'analyses', limit: 20, period: 'day' }],
    });
    expect(withoutGrant.features.get('analyses')).toMatchObject({
      limit: 20,
      source: 'default',
      period: 'day',
    });
  });

  it('opens a granted feature to a user whose plan is withheld', () => {
    const result = compute({
      subscription: pro({ status: 'paused' }),
      grants: [{ feature: 'exports', limit: 2, expiresAt: null }],
    });
    expect(result.denial).toBe('subscription_paused');
    expect(result.features.get('exports')).toMatchObject({ source: 'grant', limit: 2 });
  });

  it('is valid until the earliest of grace end, grant expiry and a cancelling period end', () => {
    const cancelling = pro({ cancelAtPeriodEnd: true, currentPeriodEnd: inDays(5) });
    expect(compute({ subscription: cancelling }).validUntil).toEqual(inDays(5));
    const withGrant = compute({
      subscription: cancelling,
      grants: [{ feature: 'beta', limit: null, expiresAt: inDays(1) }],
    });
    expect(withGrant.validUntil).toEqual(inDays(1));
  });

  it('does not end a renewing period (no cancel at period end) on its own', () => {
    expect(compute({ subscription: pro({ currentPeriodEnd: inDays(1) }) }).validUntil).toBeNull();
  });

  it('summarises the subscription with ISO timestamps for the API', () => {
    const trialing = pro({
      status: 'trialing',
      trialEnd: inDays(14),
      currentPeriodEnd: inDays(14),
      quantity: 3,
    });
    expect(compute({ subscription: trialing }).subscription).toEqual({
      status: 'trialing',
      plan: 'pro',
      priceId: 'price-row-1',
      currentPeriodEnd: '2026-03-29T12:00:00.000Z',
      cancelAtPeriodEnd: false,
      trialEnd: '2026-03-29T12:00:00.000Z',
      graceUntil: null,
      quantity: 3,
      pausedAt: null,
    });
  });
});
