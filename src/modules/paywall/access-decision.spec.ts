import { DenialCode } from '../entitlements/access-policy';
import { Entitlements, FeatureEntitlement } from '../entitlements/entitlement.types';
import { decideFeature } from './access-decision';

function entitlements(overrides: {
  features?: Record<string, FeatureEntitlement>;
  plan?: string | null;
  planFeatures?: string[];
  denial?: DenialCode | null;
}): Entitlements {
  return {
    accountId: 'account-1',
    accountName: 'Acme',
    subscription: null,
    subscribedPlanKey: overrides.plan ?? null,
    subscribedPlanFeatures: new Set(overrides.planFeatures ?? []),
    features: new Map(Object.entries(overrides.features ?? {})),
    denial: overrides.denial ?? null,
    creditBalance: 0,
    validUntil: null,
  };
}

describe('decideFeature', () => {
  it('opens a granted feature and passes on its limit', () => {
    const pro = entitlements({
      plan: 'pro',
      planFeatures: ['projects'],
      features: { projects: { limit: 10, source: 'plan' } },
    });
    expect(decideFeature(pro, 'projects')).toEqual({ granted: true, limit: 10 });
  });

  it('opens an unlimited feature with limit null', () => {
    const pro = entitlements({ plan: 'pro', features: { reports: { limit: null, source: 'plan' } } });
    expect(decideFeature(pro, 'reports')).toEqual({ granted: true, limit: null });
  });

  it('opens a feature of the default plan to a user without a subscription', () => {
    const free = entitlements({ features: { projects: { limit: 1, source: 'default' } } });
    expect(decideFeature(free, 'projects')).toEqual({ granted: true, limit: 1 });
  });

  it('opens a feature an admin granted even while the plan is withheld (the grant wins)', () => {
    const withheld = entitlements({
      plan: 'pro',
      planFeatures: ['exports'],
      denial: 'past_due',
      features: { exports: { limit: 3, source: 'grant', until: null } },
    });
    expect(decideFeature(withheld, 'exports')).toEqual({ granted: true, limit: 3 });
  });

  it('asks a user without a subscription to subscribe', () => {
    expect(decideFeature(entitlements({}), 'exports')).toEqual({
      granted: false,
      code: 'subscription_required',
    });
  });

  it('tells a subscriber whose plan lacks the feature to upgrade, whatever the payment state', () => {
    for (const denial of [null, 'past_due', 'subscription_paused'] as const) {
      const starter = entitlements({ plan: 'starter', planFeatures: ['projects'], denial });
      expect(decideFeature(starter, 'exports')).toEqual({ granted: false, code: 'feature_not_in_plan' });
    }
  });

  it('explains a withheld feature of the subscribed plan with the access policy code', () => {
    for (const denial of [
      'past_due',
      'payment_pending',
      'subscription_paused',
      'subscription_required',
    ] as const) {
      const withheld = entitlements({ plan: 'pro', planFeatures: ['exports'], denial });
      expect(decideFeature(withheld, 'exports')).toEqual({ granted: false, code: denial });
    }
  });

  it('falls back to subscription_required for a plan feature missing with no recorded denial', () => {
    const odd = entitlements({ plan: 'pro', planFeatures: ['exports'], denial: null });
    expect(decideFeature(odd, 'exports')).toEqual({ granted: false, code: 'subscription_required' });
  });
});
