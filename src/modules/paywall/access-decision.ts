import { DenialCode } from '../entitlements/access-policy';
import { Entitlements } from '../entitlements/entitlement.types';

export type FeatureDecision = { granted: true; limit: number | null } | { granted: false; code: DenialCode };

/** Whether the entitlements open a feature, and if not, which 402 code explains why. */
export function decideFeature(entitlements: Entitlements, feature: string): FeatureDecision {
  const entitlement = entitlements.features.get(feature);
  if (entitlement) return { granted: true, limit: entitlement.limit };
  const planHasIt = entitlements.subscribedPlanFeatures.has(feature);
  if (entitlements.subscribedPlanKey === null) return { granted: false, code: 'subscription_required' };
  if (!planHasIt) return { granted: false, code: 'feature_not_in_plan' };
  return { granted: false, code: entitlements.denial ?? 'subscription_required' };
}
