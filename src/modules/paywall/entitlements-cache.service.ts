import { Injectable } from '@nestjs/common';

import { InvalidatedCache } from '../../common/cache/invalidated-cache';
import { ChangeFeed } from '../change-feed/change-feed.service';
import { Entitlements } from '../entitlements/entitlement.types';
import { EntitlementsService } from '../entitlements/entitlements.service';

/**
 * Each user's entitlements, in process. A hit costs no database query; the change feed drops entries,
 * and an entry never outlives the moment its result could change by itself (a grace or grant ending).
 */
@Injectable()
export class EntitlementsCache {
  private readonly cache: InvalidatedCache<Entitlements>;

  constructor(entitlements: EntitlementsService, changes: ChangeFeed) {
    this.cache = new InvalidatedCache((accountId) => entitlements.compute(accountId), {
      max: 50_000,
      ttlMs: 60_000,
      ttlOf: (computed) => (computed.validUntil ? computed.validUntil.getTime() - Date.now() : Infinity),
    });
    changes.subscribe('entitlements', (change) => this.cache.invalidate(change.accountId));
    // A plan's features may have changed: every user's entitlements may differ.
    changes.subscribe('catalog', () => this.cache.invalidateAll());
    changes.onGap(() => this.cache.invalidateAll());
  }

  get(accountId: string): Promise<Entitlements> | Entitlements {
    return this.cache.get(accountId);
  }
}
