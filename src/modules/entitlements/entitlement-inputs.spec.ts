import { entitlementInputsFrom, EntitlementInputsRow, SubscriptionRow } from './entitlement-inputs';

const FEATURE = { key: 'projects', limit: 10, period: null, overagePriceId: null, overageEventName: null };

function subscription(overrides: Partial<SubscriptionRow>): SubscriptionRow {
  return {
    status: 'active',
    priceId: 'price-1',
    currentPeriodEnd: '2026-12-01T10:00:00.5+00:00',
    cancelAtPeriodEnd: false,
    trialEnd: null,
    graceUntil: null,
    quantity: 1,
    pausedAt: null,
    plan: { key: 'pro', features: [FEATURE] },
    ...overrides,
  };
}

function row(overrides: Partial<EntitlementInputsRow>): EntitlementInputsRow {
  return {
    accountName: 'Acme',
    creditBalance: 7,
    subscriptions: [],
    defaultFeatures: [],
    grants: [],
    ...overrides,
  };
}

describe('entitlementInputsFrom', () => {
  it('reads the moments as dates and the plan as the price a subscription has', () => {
    const inputs = entitlementInputsFrom('account-1', row({ subscriptions: [subscription({})] }));
    expect(inputs.subscription).toMatchObject({
      currentPeriodEnd: new Date('2026-12-01T10:00:00.500Z'),
      trialEnd: null,
      price: { plan: { key: 'pro', features: [FEATURE] } },
    });
    expect(inputs).toMatchObject({ accountId: 'account-1', accountName: 'Acme', creditBalance: 7 });
  });

  it('gives a subscription without a price no plan', () => {
    const inputs = entitlementInputsFrom(
      'a',
      row({ subscriptions: [subscription({ plan: null, priceId: null })] }),
    );
    expect(inputs.subscription?.price).toBeNull();
  });

  it('picks the oldest established subscription from the newest first, as accountSubscription does', () => {
    const inputs = entitlementInputsFrom(
      'a',
      row({
        subscriptions: [
          subscription({ status: 'active', quantity: 2 }),
          subscription({ status: 'active', quantity: 1 }),
          subscription({ status: 'canceled', quantity: 3 }),
        ],
      }),
    );
    expect(inputs.subscription?.quantity).toBe(1);
  });

  it('answers no account name, balance or subscription as empty, zero and none', () => {
    const inputs = entitlementInputsFrom('a', row({ accountName: null, creditBalance: null }));
    expect(inputs).toMatchObject({ accountName: '', creditBalance: 0, subscription: null });
  });

  it('reads grant ends as dates, and a grant without an end as never ending', () => {
    const inputs = entitlementInputsFrom(
      'a',
      row({
        grants: [
          { feature: 'exports', limit: null, expiresAt: '2027-01-01T00:00:00+00:00' },
          { feature: 'reports', limit: 1, expiresAt: null },
        ],
      }),
    );
    expect(inputs.grants).toEqual([
      { feature: 'exports', limit: null, expiresAt: new Date('2027-01-01T00:00:00Z') },
      { feature: 'reports', limit: 1, expiresAt: null },
    ]);
  });
});
