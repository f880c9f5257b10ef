import { Injectable } from '@nestjs/common';

import { computeEntitlements } from './compute-entitlements';
import { Entitlements } from './entitlement.types';
import { EntitlementsRepository } from './entitlements.repository';

export { toSubscriptionSummary } from './compute-entitlements';

/** Reads plan features, subscription state, grants and credits, and turns them into entitlements. */
@Injectable()
export class EntitlementsService {
  constructor(private readonly repository: EntitlementsRepository) {}

  async compute(userId: string, now = new Date()): Promise<Entitlements> {
    const [subscription, defaultFeatures, grants, creditBalance] = await Promise.all([
      this.repository.currentSubscription(userId),
      this.repository.defaultPlanFeatures(),
      this.repository.activeGrants(userId, now),
      this.repository.creditBalance(userId),
    ]);
    return computeEntitlements({ userId, subscription, defaultFeatures, grants, creditBalance }, now);
  }
}
