import { Injectable } from '@nestjs/common';

import type { RequestOrigin } from '../../common/http/request-origin';
import { PrismaService } from '../../database/prisma.service';
import { Prisma, Session } from '../../generated/prisma/client';

/** What a session records of its client: the request origin's IP and user agent. */
export type ClientInfo = Pick<RequestOrigin, 'ip' | 'userAgent'>;

export interface NewSession extends ClientInfo {
  id: string;
  userId: string;
  refreshTokenHash: string;
  expiresAt: Date;
}

export interface Rotation extends ClientInfo {
  sessionId: string;
  counter: number;
  presentedHash: string;
  nextHash: string;
  expiresAt: Date;
}

/** Which of a user's sessions to end: all, one, or all but one. */
export interface SessionSelection {
  userId: string;
  sessionId?: string;
  exceptSessionId?: string;
}

const LIVE = { endedAt: null } as const;

@Injectable()
export class SessionsRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(session: NewSession, tx: Prisma.TransactionClient = this.prisma): Promise<Session> {
    return tx.session.create({ data: session });
  }

  find(id: string): Promise<Session | null> {
    return this.prisma.session.findUnique({ where: { id } });
  }

  /**
   * Replaces the presented refresh token with the next one, if it is the session's current one, the
   * session is live and its user not disabled; one statement, so two uses of one token cannot both pass.
   * The user's id, or null when nothing matched.
   */
  async rotate(rotation: Rotation): Promise<string | null> {
    const rows = await this.prisma.$queryRaw<{ user_id: string }[]>`
      UPDATE sessions AS s
         SET refresh_token_hash = ${rotation.nextHash}, refresh_counter = refresh_counter + 1,
             last_used_at = now(), expires_at = ${rotation.expiresAt},
             ip = ${rotation.ip}, user_agent = ${rotation.userAgent}
        FROM users AS u
       WHERE s.id = ${rotation.sessionId}::uuid AND s.refresh_counter = ${rotation.counter}
         AND s.refresh_token_hash = ${rotation.presentedHash}
         AND s.ended_at IS NULL AND s.expires_at > now()
         AND u.id = s.user_id AND u.disabled_at IS NULL
      RETURNING s.user_id`;
    return rows[0]?.user_id ?? null;
  }

  /** Ends the selected live sessions; the number ended. */
  async end(
    selection: SessionSelection,
    reason: string,
    tx: Prisma.TransactionClient = this.prisma,
  ): Promise<number> {
    const { count } = await tx.session.updateMany({
      where: {
        userId: selection.userId,
        ...LIVE,
        ...(selection.sessionId ? { id: selection.sessionId } : {}),
        ...(selection.exceptSessionId ? { id: { not: selection.exceptSessionId } } : {}),
      },
      data: { endedAt: new Date(), endReason: reason },
    });
    return count;
  }

  /** Ends the user's live sessions beyond the `keep` most recently used ones; the number ended. */
  async endBeyond(
    userId: string,
    keep: number,
    reason: string,
    tx: Prisma.TransactionClient,
  ): Promise<number> {
    return tx.$executeRaw`
      UPDATE sessions SET ended_at = now(), end_reason = ${reason}
       WHERE id IN (SELECT id FROM sessions WHERE user_id = ${userId}::uuid AND ended_at IS NULL
                     ORDER BY last_used_at DESC, created_at DESC OFFSET ${keep})`;
  }

  /** Forgets the user's sessions that ended or expired before `before`. */
  async deleteFinished(userId: string, before: Date, tx: Prisma.TransactionClient): Promise<void> {
    await tx.session.deleteMany({
      where: { userId, OR: [{ endedAt: { lt: before } }, { expiresAt: { lt: before } }] },
    });
  }

  /** Sessions whose access tokens are honoured: not ended (an access token outlives no session by more than its TTL). */
  async liveIds(userId: string): Promise<string[]> {
    const sessions = await this.prisma.session.findMany({
      where: { userId, ...LIVE },
      select: { id: true },
    });
    return sessions.map((session) => session.id);
  }

  listLive(userId: string): Promise<Session[]> {
    return this.prisma.session.findMany({
      where: { userId, ...LIVE, expiresAt: { gt: new Date() } },
      orderBy: { lastUsedAt: 'desc' },
    });
  }
}
