import type { Grant, PlanFeature, Subscription } from '../../generated/prisma/client';
import { isLive, planAccess } from './access-policy';
import { Entitlements, FeatureEntitlement, SubscriptionSummary } from './entitlement.types';

type FeatureLimit = Pick<PlanFeature, 'key' | 'limit'> &
  Partial<Pick<PlanFeature, 'period' | 'overagePriceId' | 'overageEventName'>>;

/** The account's current subscription with its plan, as the entitlements read it. */
export type SubscriptionWithPlanFeatures = Pick<
  Subscription,
  | 'status'
  | 'priceId'
  | 'currentPeriodEnd'
  | 'cancelAtPeriodEnd'
  | 'trialEnd'
  | 'graceUntil'
  | 'quantity'
  | 'pausedAt'
> & { price: { plan: { key: string; features: FeatureLimit[] } } | null };

export interface EntitlementInputs {
  accountId: string;
  accountName: string;
  subscription: SubscriptionWithPlanFeatures | null;
  defaultFeatures: FeatureLimit[];
  /** Grants not revoked and not expired at `now`. */
  grants: Pick<Grant, 'feature' | 'limit' | 'expiresAt'>[];
  creditBalance: number;
}

/**
 * The default plan's features, then the subscribed plan's when the access policy grants them, then
 * admin grants over both; and the earliest moment this can change without an event.
 */
export function computeEntitlements(inputs: EntitlementInputs, now: Date): Entitlements {
  const { subscription, grants } = inputs;
  const access = planAccess(subscription, now);
  const features = new Map<string, FeatureEntitlement>();
  for (const feature of inputs.defaultFeatures) {
    features.set(feature.key, { limit: feature.limit, source: 'default', ...quotaOf(feature) });
  }
  if (access.grants === 'plan') {
    for (const feature of subscription?.price?.plan.features ?? []) {
      features.set(feature.key, { limit: feature.limit, source: 'plan', ...quotaOf(feature) });
    }
  }
  for (const grant of grants) {
    // A grant replaces the limit, not the way it is counted: a quota stays a quota.
    const counted = features.get(grant.feature);
    features.set(grant.feature, {
      limit: grant.limit,
      source: 'grant',
      until: grant.expiresAt,
      period: counted?.period ?? null,
      overage: counted?.overage ?? null,
    });
  }

  const liveSubscription = subscription && isLive(subscription.status) ? subscription : null;
  return {
    accountId: inputs.accountId,
    accountName: inputs.accountName,
    subscription: subscription ? toSubscriptionSummary(subscription) : null,
    subscribedPlanKey: liveSubscription?.price?.plan.key ?? null,
    subscribedPlanFeatures: new Set(
      liveSubscription?.price?.plan.features.map((feature) => feature.key) ?? [],
    ),
    features,
    denial: access.grants === 'default' ? access.denial : null,
    creditBalance: inputs.creditBalance,
    validUntil:
      earliest([
        ...grants.map((grant) => grant.expiresAt),
        subscription?.status === 'past_due' ? subscription.graceUntil : null,
        subscription?.cancelAtPeriodEnd ? subscription.currentPeriodEnd : null,
      ]).filter((moment) => moment > now)[0] ?? null,
  };
}

export function toSubscriptionSummary(subscription: SubscriptionWithPlanFeatures): SubscriptionSummary {
  return {
    status: subscription.status,
    plan: subscription.price?.plan.key ?? null,
    priceId: subscription.priceId,
    currentPeriodEnd: subscription.currentPeriodEnd?.toISOString() ?? null,
    cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
    trialEnd: subscription.trialEnd?.toISOString() ?? null,
    graceUntil: subscription.graceUntil?.toISOString() ?? null,
    quantity: subscription.quantity,
    pausedAt: subscription.pausedAt?.toISOString() ?? null,
  };
}

function earliest(moments: (Date | null | undefined)[]): Date[] {
  return moments
    .filter((moment): moment is Date => moment instanceof Date)
    .sort((a, b) => a.getTime() - b.getTime());
}

function quotaOf(feature: FeatureLimit): Pick<FeatureEntitlement, 'period' | 'overage'> {
  return {
    period: feature.period ?? null,
    overage:
      feature.overagePriceId && feature.overageEventName
        ? { priceId: feature.overagePriceId, eventName: feature.overageEventName }
        : null,
  };
}
