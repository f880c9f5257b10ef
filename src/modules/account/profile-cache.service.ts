import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';

import { ChangeFeed } from '../change-feed/change-feed.service';
import { QuotaService } from '../quotas/quota.service';
import { ProfileStamps } from './profile-stamps';
import { ProfileRepository, ProfileRow } from './profile.repository';

/**
 * How long a profile is kept. Changes to who the user is and to their accounts arrive as notices at
 * once; what accounts hold and use (projects, credits, quota uses) changes without one on other
 * instances, and shows there within this.
 */
export const PROFILE_TTL_MS = 900;

interface KeptProfile {
  row: ProfileRow;
  /** The change number when its load began: a change numbered from then on makes it stale. */
  loadedAfter: number;
}

interface ProfileQuota {
  feature: string;
  periodEnd: Date;
}

/**
 * What GET /v1/me reads from the database, kept per user, acting account and quota periods, so that a
 * hit costs no round trip. This instance's own writes make entries stale at once (the change feed's
 * `identity`, `entitlements` and `usage`, stamped by `ProfileStamps`); other instances' within
 * `PROFILE_TTL_MS`.
 */
@Injectable()
export class ProfileCache {
  private readonly entries = new LRUCache<string, KeptProfile>({ max: 10_000, ttl: PROFILE_TTL_MS });
  private readonly loading = new Map<string, { loadedAfter: number; row: Promise<ProfileRow | null> }>();
  private readonly stamps = new ProfileStamps();

  constructor(
    private readonly profiles: ProfileRepository,
    private readonly quotaService: QuotaService,
    changes: ChangeFeed,
  ) {
    // identity: the user's name, email, role, memberships; usage: what the account holds or used;
    // entitlements: the account wherever it is listed (its name, subscription, credits bought).
    changes.subscribe('identity', ({ userId }) => this.stamps.changed('user', userId));
    changes.subscribe('usage', ({ accountId }) => this.stamps.changed('holdings', accountId));
    changes.subscribe('entitlements', ({ accountId }) => this.stamps.changed('account', accountId));
    changes.onGap(() => this.stamps.everythingChanged());
  }

  /** The profile of the user acting for the account, with these quotas' flushed uses; null if the user is gone. */
  profile(
    userId: string,
    accountId: string,
    quotas: ProfileQuota[],
  ): Promise<ProfileRow | null> | ProfileRow {
    let key = `${userId} ${accountId}`;
    for (const quota of quotas) key += ` ${quota.feature}@${quota.periodEnd.getTime()}`;
    const kept = this.entries.get(key);
    if (kept && this.stamps.unchangedSince(kept.loadedAfter, userId, accountId, kept.row.accounts)) {
      return kept.row;
    }
    const loading = this.loading.get(key);
    // A load begun before the latest change may have read what that change replaced.
    if (loading?.loadedAfter === this.stamps.current) return loading.row;
    return this.load(key, userId, accountId, quotas);
  }

  private async load(
    key: string,
    userId: string,
    accountId: string,
    quotas: ProfileQuota[],
  ): Promise<ProfileRow | null> {
    const loadedAfter = this.stamps.current;
    const row =
      quotas.length > 0
        ? this.quotaService.readFlushed(() => this.profiles.profile(userId, accountId, quotas))
        : this.profiles.profile(userId, accountId, quotas);
    this.loading.set(key, { loadedAfter, row });
    try {
      const loaded = await row;
      if (loaded) this.entries.set(key, { row: loaded, loadedAfter });
      return loaded;
    } finally {
      if (this.loading.get(key)?.row === row) this.loading.delete(key);
    }
  }
}
