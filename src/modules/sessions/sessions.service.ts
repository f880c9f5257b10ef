import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';

import { AppConfig } from '../../config/app-config';
import { DomainError } from '../../common/errors/domain-error';
import type { RequestOrigin } from '../../common/http/request-origin';
import { Prisma, Session } from '../../generated/prisma/client';
import { AuditLog } from '../audit/audit-log.service';
import { ChangeFeed } from '../change-feed/change-feed.service';
import { hashRefreshToken, issueRefreshToken, parseRefreshToken } from './refresh-token';
import { ClientInfo, SessionSelection, SessionsRepository } from './sessions.repository';

/** Live sessions a user may hold; signing in once more ends the least recently used. */
export const MAX_SESSIONS_PER_USER = 100;
/** Ended and expired sessions are kept this long for the user's and the admins' view, then deleted. */
const FINISHED_SESSIONS_KEPT_MS = 30 * 86_400_000;

export type SessionEndReason =
  | 'logout'
  | 'logout_all'
  | 'ended_by_user'
  | 'admin_logout'
  | 'disabled'
  | 'deleted'
  | 'password_reset'
  | 'password_changed'
  | 'promoted'
  | 'refresh_token_reused'
  | 'session_limit';

export interface StartedSession {
  sessionId: string;
  refreshToken: string;
}

/**
 * Sessions: one per sign-in, kept alive by rotating refresh tokens. Ending a session is a change of the
 * user's identity on the change feed, so every instance stops honouring its access tokens within a
 * second.
 */
@Injectable()
export class SessionsService {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly changes: ChangeFeed,
    private readonly config: AppConfig,
    private readonly audit: AuditLog,
  ) {}

  async start(userId: string, client: ClientInfo): Promise<StartedSession> {
    const sessionId = randomUUID();
    const refreshToken = issueRefreshToken({ sessionId, counter: 0 });
    await this.changes.transaction(async (tx) => {
      await this.sessions.create(
        {
          id: sessionId,
          userId,
          refreshTokenHash: hashRefreshToken(refreshToken),
          expiresAt: this.refreshExpiry(),
          ip: client.ip,
          userAgent: client.userAgent,
        },
        tx,
      );
      await this.sessions.deleteFinished(userId, new Date(Date.now() - FINISHED_SESSIONS_KEPT_MS), tx);
      if ((await this.sessions.endBeyond(userId, MAX_SESSIONS_PER_USER, 'session_limit', tx)) > 0) {
        await this.changes.publish({ kind: 'identity', userId }, tx);
      }
    });
    return { sessionId, refreshToken };
  }

  /**
   * Trades a refresh token for the next one. A token that was already spent ends its session (the
   * thief's copy and the owner's): 401 `session_revoked`. Anything else that is not the session's
   * current token: 401 `invalid_refresh_token`.
   */
  async refresh(refreshToken: string, client: RequestOrigin): Promise<StartedSession & { userId: string }> {
    const parts = parseRefreshToken(refreshToken);
    if (!parts) throw invalidRefreshToken();
    const next = issueRefreshToken({ sessionId: parts.sessionId, counter: parts.counter + 1 });
    const userId = await this.sessions.rotate({
      sessionId: parts.sessionId,
      counter: parts.counter,
      presentedHash: hashRefreshToken(refreshToken),
      nextHash: hashRefreshToken(next),
      expiresAt: this.refreshExpiry(),
      ip: client.ip,
      userAgent: client.userAgent,
    });
    if (userId) return { userId, sessionId: parts.sessionId, refreshToken: next };
    throw await this.refusal(parts.sessionId, parts.counter, client);
  }

  /**
   * Ends the selected sessions and tells every instance; the number ended. With `by`, ending them is the
   * act itself (a logout, an admin's, a reused refresh token) and goes to the security log as
   * `session.ended`; otherwise the caller logs the act that ended them (a password reset, a deletion).
   */
  async end(
    selection: SessionSelection,
    reason: SessionEndReason,
    options: { tx?: Prisma.TransactionClient; by?: { actorId: string | null; origin?: RequestOrigin } } = {},
  ): Promise<number> {
    const run = async (tx: Prisma.TransactionClient) => {
      const ended = await this.sessions.end(selection, reason, tx);
      if (ended > 0) await this.changes.publish({ kind: 'identity', userId: selection.userId }, tx);
      if (ended > 0 && options.by) {
        await this.audit.record(
          'session.ended',
          {
            actorId: options.by.actorId,
            subjectId: selection.userId,
            origin: options.by.origin,
            details: {
              reason,
              sessions: ended,
              ...(selection.sessionId ? { sessionId: selection.sessionId } : {}),
            },
          },
          tx,
        );
      }
      return ended;
    };
    return options.tx ? run(options.tx) : this.changes.transaction(run);
  }

  listLive(userId: string): Promise<Session[]> {
    return this.sessions.listLive(userId);
  }

  /** Ids of the user's sessions whose access tokens are honoured. */
  liveIds(userId: string): Promise<string[]> {
    return this.sessions.liveIds(userId);
  }

  private async refusal(sessionId: string, counter: number, origin: RequestOrigin): Promise<DomainError> {
    const session = await this.sessions.find(sessionId);
    if (!session) return invalidRefreshToken();
    if (session.endedAt) return sessionEnded();
    if (counter < session.refreshCounter) {
      await this.end({ userId: session.userId, sessionId }, 'refresh_token_reused', {
        by: { actorId: null, origin },
      });
      return sessionEnded();
    }
    return invalidRefreshToken();
  }

  private refreshExpiry(): Date {
    return new Date(Date.now() + this.config.env.REFRESH_TOKEN_TTL * 1000);
  }
}

export function sessionEnded(): DomainError {
  return new DomainError(
    'session_revoked',
    'This session was ended (signed out, or its refresh token was used twice), or the account was disabled or deleted; sign in again.',
  );
}

function invalidRefreshToken(): DomainError {
  return new DomainError('invalid_refresh_token', 'The refresh token is unknown or expired; sign in again.');
}
