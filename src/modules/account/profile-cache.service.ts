import { Injectable } from '@nestjs/common';

import { InvalidatedCache } from '../../common/cache/invalidated-cache';
import { ChangeFeed } from '../change-feed/change-feed.service';
import { ProfileRepository, ProfileRow } from './profile.repository';

/**
 * How long a profile is kept. Changes to who the user is and to their accounts arrive as notices at
 * once; what accounts hold and use (projects, credits, quota uses) changes without one on other
 * instances, and shows there within this.
 */
export const PROFILE_TTL_MS = 900;

interface CachedProfile {
  userId: string;
  accountId: string;
  row: ProfileRow | null;
}

interface ProfileQuota {
  feature: string;
  periodEnd: Date;
}

/**
 * What GET /v1/me reads from the database, kept per user, acting account and quota periods, so that a
 * hit costs no round trip. This instance's own writes drop entries at once (the change feed's
 * `usage`, `identity` and `entitlements` changes); other instances' within `PROFILE_TTL_MS`.
 */
@Injectable()
export class ProfileCache {
  private readonly cache: InvalidatedCache<CachedProfile>;

  constructor(
    private readonly profiles: ProfileRepository,
    changes: ChangeFeed,
  ) {
    this.cache = new InvalidatedCache<CachedProfile>(() => Promise.reject(new Error('loaded by get')), {
      max: 10_000,
      ttlMs: PROFILE_TTL_MS,
      ttlOf: (cached) => (cached.row ? PROFILE_TTL_MS : 0),
    });
    changes.subscribe('identity', ({ userId }) =>
      this.cache.invalidateWhere((key, cached) => (cached?.userId ?? keyParts(key).userId) === userId),
    );
    changes.subscribe('usage', ({ accountId }) =>
      this.cache.invalidateWhere(
        (key, cached) => (cached?.accountId ?? keyParts(key).accountId) === accountId,
      ),
    );
    // The account's name is in the profile of every member, whichever account they act for.
    changes.subscribe('entitlements', ({ accountId }) =>
      this.cache.invalidateWhere(
        (_key, cached) =>
          !cached || cached.row?.accounts.some((account) => account.id === accountId) === true,
      ),
    );
    changes.onGap(() => this.cache.invalidateAll());
  }

  /** The profile of the user acting for the account, with these quotas' flushed uses; null if the user is gone. */
  async profile(userId: string, accountId: string, quotas: ProfileQuota[]): Promise<ProfileRow | null> {
    let key = `${userId} ${accountId}`;
    for (const quota of quotas) key += ` ${quota.feature}@${quota.periodEnd.getTime()}`;
    const cached = await this.cache.get(key, async () => ({
      userId,
      accountId,
      row: await this.profiles.profile(userId, accountId, quotas),
    }));
    return cached.row;
  }
}

function keyParts(key: string): { userId: string; accountId: string } {
  const [userId = '', accountId = ''] = key.split(' ', 2);
  return { userId, accountId };
}
