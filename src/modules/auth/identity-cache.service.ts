import { Injectable } from '@nestjs/common';

import { InvalidatedCache } from '../../common/cache/invalidated-cache';
import { ChangeFeed } from '../change-feed/change-feed.service';
import { UsersService } from '../users/users.service';
import { AuthenticatedUser } from './identity';

/** A user that no longer exists or is disabled: their tokens stop working. */
const REVOKED = Object.freeze({ revoked: true as const });

type KnownIdentity = AuthenticatedUser | typeof REVOKED;

/**
 * Who a token's user is now (role, disabled or deleted), read from the database once and then from
 * process memory: a warm cache costs no query. A token says who is asking, never what they may do;
 * the change feed drops an entry on every instance as soon as the user's role or status changes.
 */
@Injectable()
export class IdentityCache {
  private readonly cache: InvalidatedCache<KnownIdentity>;

  constructor(users: UsersService, changes: ChangeFeed) {
    this.cache = new InvalidatedCache(
      async (userId) => {
        const user = await users.identity(userId);
        return user && !user.disabledAt ? { id: user.id, email: user.email, role: user.role } : REVOKED;
      },
      { max: 50_000, ttlMs: 60_000 },
    );
    changes.subscribe('identity', (change) => this.cache.invalidate(change.userId));
    changes.onGap(() => this.cache.invalidateAll());
  }

  /** The user as they are now, or null when their tokens must stop working. */
  resolve(userId: string): AuthenticatedUser | null | Promise<AuthenticatedUser | null> {
    const known = this.cache.get(userId);
    return known instanceof Promise ? known.then(current) : current(known);
  }
}

function current(known: KnownIdentity): AuthenticatedUser | null {
  return 'revoked' in known ? null : known;
}
