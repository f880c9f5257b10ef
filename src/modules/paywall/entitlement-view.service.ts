import { Injectable } from '@nestjs/common';

import { Entitlements } from '../entitlements/entitlement.types';
import { EntitlementsService } from '../entitlements/entitlements.service';
import { UsageCounters } from './usage-counters.service';

export interface EntitlementView {
  feature: string;
  limit: number | null;
  used: number;
}

/** Entitlements as users and admins read them: each feature with its limit and current use. */
@Injectable()
export class EntitlementViewService {
  constructor(
    private readonly entitlements: EntitlementsService,
    private readonly usage: UsageCounters,
  ) {}

  async forAccount(accountId: string): Promise<{ entitlements: Entitlements; view: EntitlementView[] }> {
    const entitlements = await this.entitlements.compute(accountId);
    const view = await Promise.all(
      [...entitlements.features].map(async ([feature, entitlement]) => ({
        feature,
        limit: entitlement.limit,
        used: await this.usage.used(feature, accountId),
      })),
    );
    return { entitlements, view: view.sort((a, b) => a.feature.localeCompare(b.feature)) };
  }
}
