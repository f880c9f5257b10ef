import { Injectable } from '@nestjs/common';

import { Prisma } from '../../generated/prisma/client';
import { computeEntitlements } from './compute-entitlements';
import { Entitlements } from './entitlement.types';
import { EntitlementsRepository, SubscriptionWithPlan } from './entitlements.repository';

export { toSubscriptionSummary } from './compute-entitlements';

/** Reads plan features, subscription state, grants and credits, and turns them into entitlements. */
@Injectable()
export class EntitlementsService {
  constructor(private readonly repository: EntitlementsRepository) {}

  /** Records a change to what the user may do (the billing events admins read), inside the change's transaction. */
  recordChange(
    accountId: string,
    kind: string,
    cause: string,
    details: Prisma.InputJsonValue,
    tx?: Prisma.TransactionClient,
  ): Promise<unknown> {
    return this.repository.recordChange(accountId, kind, cause, details, tx);
  }

  currentSubscription(accountId: string): Promise<SubscriptionWithPlan | null> {
    return this.repository.currentSubscription(accountId);
  }

  creditBalance(accountId: string): Promise<number> {
    return this.repository.creditBalance(accountId);
  }

  recentChanges(accountId: string) {
    return this.repository.recentChanges(accountId);
  }

  async compute(accountId: string, now = new Date()): Promise<Entitlements> {
    return computeEntitlements(await this.repository.entitlementInputs(accountId, now), now);
  }
}
