import { Injectable } from '@nestjs/common';

import { Prisma } from '../../generated/prisma/client';
import { computeEntitlements } from './compute-entitlements';
import { Entitlements } from './entitlement.types';
import { EntitlementsRepository, SubscriptionWithPlan } from './entitlements.repository';
import { GrantsRepository } from './grants.repository';

export { toSubscriptionSummary } from './compute-entitlements';

/** Reads plan features, subscription state, grants and credits, and turns them into entitlements. */
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
    const [subscription, defaultFeatures, grants, creditBalance] = await Promise.all([
      this.repository.currentSubscription(userId),
      this.repository.defaultPlanFeatures(),
      this.grants.active(userId, now),
      this.repository.creditBalance(userId),
    ]);
    return computeEntitlements({ userId, subscription, defaultFeatures, grants, creditBalance }, now);
  }
}
