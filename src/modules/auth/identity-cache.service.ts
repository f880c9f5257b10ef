import { Injectable } from '@nestjs/common';

import { InvalidatedCache } from '../../common/cache/invalidated-cache';
import { ChangeFeed } from '../change-feed/change-feed.service';
import { SessionsService } from '../sessions/sessions.service';
import { UsersService } from '../users/users.service';
import { AuthenticatedUser } from './identity';
import type { TokenClaims } from './verified-tokens';

/** A user as their access tokens see them: who they are, per live session; none when revoked. */
interface KnownIdentity {
  /** The caller for each live session's tokens; empty when the user is disabled or gone. */
  bySession: ReadonlyMap<string, AuthenticatedUser>;
  /** When the load began (ms): a session started after it may be missing. */
  loadedAt: number;
}

/**
 * A session started on another instance reaches this one through a reload, not through the change feed:
 * a token naming a session unknown to an entry loaded before the token was signed (plus clock skew and
 * the second `iat` is rounded to) makes one reload; older unknown sessions are simply ended.
 */
const SESSION_START_SLACK_MS = 3_000;

/**
 * Who a token's user is now (role, disabled or deleted, which sessions are live), read from the
 * database once and then from process memory: a warm cache costs no query. A token says who is asking,
 * never what they may do; the change feed drops an entry on every instance as soon as the user's role,
 * status or sessions change.
 */
@Injectable()
export class IdentityCache {
  private readonly cache: InvalidatedCache<KnownIdentity>;

  constructor(users: UsersService, sessions: SessionsService, changes: ChangeFeed) {
    this.cache = new InvalidatedCache<KnownIdentity>(
      async (userId) => {
        const loadedAt = Date.now();
        const [user, sessionIds] = await Promise.all([users.identity(userId), sessions.liveIds(userId)]);
        const bySession = new Map<string, AuthenticatedUser>();
        if (user && !user.disabledAt) {
          for (const sessionId of sessionIds) {
            bySession.set(sessionId, { id: user.id, email: user.email, role: user.role, sessionId });
          }
        }
        return { bySession, loadedAt };
      },
      { max: 50_000, ttlMs: 60_000 },
    );
    changes.subscribe('identity', (change) => this.cache.invalidate(change.userId));
    changes.onGap(() => this.cache.invalidateAll());
  }

  /** The caller a token names as they are now, or null when the token must stop working. */
  resolve(claims: TokenClaims): AuthenticatedUser | null | Promise<AuthenticatedUser | null> {
    const known = this.cache.get(claims.userId);
    if (known instanceof Promise) return known.then((loaded) => this.caller(loaded, claims));
    return this.caller(known, claims);
  }

  private caller(
    known: KnownIdentity,
    claims: TokenClaims,
  ): AuthenticatedUser | null | Promise<AuthenticatedUser | null> {
    const user = known.bySession.get(claims.sessionId);
    if (user) return user;
    if (known.loadedAt >= claims.issuedAt + SESSION_START_SLACK_MS) return null;
    this.cache.invalidate(claims.userId);
    return Promise.resolve(this.cache.get(claims.userId)).then(
      (reloaded) => reloaded.bySession.get(claims.sessionId) ?? null,
    );
  }
}
