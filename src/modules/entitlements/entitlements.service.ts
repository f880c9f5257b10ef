import { Injectable } from '@nestjs/common';

import { Prisma } from '../../generated/prisma/client';

import { planAccess } from './access-policy';
import { Entitlements, FeatureEntitlement, SubscriptionSummary } from './entitlement.types';
import { EntitlementsRepository, SubscriptionWithPlan } from './entitlements.repository';
import { GrantsRepository } from './grants.repository';
import { isLive } from './access-policy';

/** Turns plan features, subscription state, the access policy, grants and credits into entitlements. */
@Injectable()
export class EntitlementsService {
  constructor(
    private readonly repository: EntitlementsRepository,
    private readonly grants: GrantsRepository,
  ) {}

  /** Records a change to what the user may do (the billing events admins read), inside the change's transaction. */
  recordChange(
    userId: string,
    kind: string,
    cause: string,
    details: Prisma.InputJsonValue,
    tx?: Prisma.TransactionClient,
  ): Promise<unknown> {
    return this.repository.recordChange(userId, kind, cause, details, tx);
  }

  currentSubscription(userId: string): Promise<SubscriptionWithPlan | null> {
    return this.repository.currentSubscription(userId);
  }

  creditBalance(userId: string): Promise<number> {
    return this.repository.creditBalance(userId);
  }

  recentChanges(userId: string) {
    return this.repository.recentChanges(userId);
  }

  async compute(userId: string, now = new Date()): Promise<Entitlements> {
    const [subscription, defaults, grants, creditBalance] = await Promise.all([
      this.repository.currentSubscription(userId),
      this.repository.defaultPlanFeatures(),
      this.grants.active(userId, now),
      this.repository.creditBalance(userId),
    ]);
    const access = planAccess(subscription, now);
    const features = new Map<string, FeatureEntitlement>();
    for (const feature of defaults) features.set(feature.key, { limit: feature.limit, source: 'default' });
    if (access.grants === 'plan') {
      for (const feature of subscription?.price?.plan.features ?? []) {
        features.set(feature.key, { limit: feature.limit, source: 'plan' });
      }
    }
    for (const grant of grants) {
      features.set(grant.feature, { limit: grant.limit, source: 'grant', until: grant.expiresAt });
    }

    const liveSubscription = subscription && isLive(subscription.status) ? subscription : null;
    return {
      userId,
      subscription: subscription ? toSubscriptionSummary(subscription) : null,
      subscribedPlanKey: liveSubscription?.price?.plan.key ?? null,
      subscribedPlanFeatures: new Set(
        liveSubscription?.price?.plan.features.map((feature) => feature.key) ?? [],
      ),
      features,
      denial: access.grants === 'default' ? access.denial : null,
      creditBalance,
      validUntil:
        earliest([
          ...grants.map((grant) => grant.expiresAt),
          subscription?.status === 'past_due' ? subscription.graceUntil : null,
          subscription?.cancelAtPeriodEnd ? subscription.currentPeriodEnd : null,
        ]).filter((moment) => moment > now)[0] ?? null,
    };
  }
}

export function toSubscriptionSummary(subscription: SubscriptionWithPlan): SubscriptionSummary {
  return {
    status: subscription.status,
    plan: subscription.price?.plan.key ?? null,
    priceId: subscription.priceId,
    currentPeriodEnd: subscription.currentPeriodEnd?.toISOString() ?? null,
    cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
    trialEnd: subscription.trialEnd?.toISOString() ?? null,
    graceUntil: subscription.graceUntil?.toISOString() ?? null,
  };
}

function earliest(moments: (Date | null | undefined)[]): Date[] {
  return moments
    .filter((moment): moment is Date => moment instanceof Date)
    .sort((a, b) => a.getTime() - b.getTime());
}
