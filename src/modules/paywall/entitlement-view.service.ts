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
    return { entitlements, view: await this.of(accountId, entitlements) };
  }

  /**
   * The view of entitlements the caller has, by feature name; `counted` holds uses the caller has
   * read already (only the features missing from it are counted here).
   */
  async of(
    accountId: string,
    entitlements: Entitlements,
    counted: ReadonlyMap<string, number> = new Map(),
  ): Promise<EntitlementView[]> {
    const view = await Promise.all(
      [...entitlements.features].map(async ([feature, entitlement]) => ({
        feature,
        limit: entitlement.limit,
        used: counted.get(feature) ?? (await this.usage.used(feature, accountId)),
      })),
    );
    return view.sort((a, b) => a.feature.localeCompare(b.feature));
  }
}
