import { Injectable } from '@nestjs/common';

import { InvalidatedCache } from '../../common/cache/invalidated-cache';
import { UserAccountsService } from '../accounts/user-accounts.service';
import { ChangeFeed } from '../change-feed/change-feed.service';
import { SessionsService } from '../sessions/sessions.service';
import { UsersService } from '../users/users.service';
import { actingAccounts, SessionCaller } from './acting-account';
import { AuthenticatedUser } from './identity';
import type { TokenClaims } from './verified-tokens';

/** A user as their access tokens see them: who they are, per live session; none when revoked. */
interface KnownIdentity {
  /**
   * The caller for each live session's tokens, for each account they are a member of; empty when the
   * user is disabled or gone.
   */
  bySession: ReadonlyMap<string, SessionCaller>;
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
 * Who a token's user is now (role, disabled or deleted, which sessions are live, which accounts they
 * belong to and as what), read from the database once and then from process memory: a warm cache costs
 * no query. A token says who is asking, never what they may do; the change feed drops an entry on every
 * instance as soon as the user's role, status, sessions or memberships change.
 */
@Injectable()
export class IdentityCache {
  private readonly cache: InvalidatedCache<KnownIdentity>;

  constructor(
    users: UsersService,
    sessions: SessionsService,
    accounts: UserAccountsService,
    changes: ChangeFeed,
  ) {
    this.cache = new InvalidatedCache<KnownIdentity>(
      async (userId) => {
        const loadedAt = Date.now();
        const [user, sessionIds, memberships] = await Promise.all([
          users.identity(userId),
          sessions.liveIds(userId),
          accounts.membershipsOf(userId),
        ]);
        const bySession = new Map<string, SessionCaller>();
        if (user && !user.disabledAt) {
          const accountsOfUser = actingAccounts(memberships);
          for (const sessionId of sessionIds) {
            bySession.set(
              sessionId,
              new SessionCaller(
                { id: user.id, email: user.email, role: user.role, sessionId },
                accountsOfUser,
              ),
            );
          }
        }
        return { bySession, loadedAt };
      },
      { max: 50_000, ttlMs: 60_000 },
    );
    changes.subscribe('identity', (change) => this.cache.invalidate(change.userId));
    changes.onGap(() => this.cache.invalidateAll());
  }

  /**
   * The caller a token names as they are now, acting for the account `accountHeader` (X-Account-Id)
   * names, else for their personal account; null when the token must stop working. Throws 404
   * `account_not_found` when the user is no member of the named account.
   */
  resolve(
    claims: TokenClaims,
    accountHeader: string | string[] | undefined,
  ): AuthenticatedUser | null | Promise<AuthenticatedUser | null> {
    const known = this.cache.get(claims.userId);
    if (known instanceof Promise) return known.then((loaded) => this.caller(loaded, claims, accountHeader));
    return this.caller(known, claims, accountHeader);
  }

  private caller(
    known: KnownIdentity,
    claims: TokenClaims,
    accountHeader: string | string[] | undefined,
  ): AuthenticatedUser | null | Promise<AuthenticatedUser | null> {
    const session = known.bySession.get(claims.sessionId);
    if (session) return session.actingFor(accountHeader);
    if (known.loadedAt >= claims.issuedAt + SESSION_START_SLACK_MS) return null;
    this.cache.invalidate(claims.userId);
    return Promise.resolve(this.cache.get(claims.userId)).then(
      (reloaded) => reloaded.bySession.get(claims.sessionId)?.actingFor(accountHeader) ?? null,
    );
  }
}
