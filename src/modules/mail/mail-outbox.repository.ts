import { Injectable } from '@nestjs/common';

import { INSTANCE_LOCK_NAMESPACE, InstanceLivenessService } from '../../database/instance-liveness.service';
import { afterCursor, NEWEST_FIRST, NewestFirstCursor } from '../../common/pagination/newest-first';
import { PrismaService } from '../../database/prisma.service';
import { MailOutboxEntry, MailStatus, Prisma } from '../../generated/prisma/client';

export interface NewMailRow {
  id: string;
  cause: string;
  userId: string | null;
  recipient: string;
  template: string;
  params: object;
  messageId: string;
}

/** A row taken by this instance for sending. */
export interface ClaimedMail {
  id: string;
  recipient: string;
  template: string;
  params: Prisma.JsonValue;
  attempts: number;
  messageId: string;
  createdAt: Date;
}

export interface ClaimResult {
  mails: ClaimedMail[];
  /** When the oldest mail still waiting (these included) was written; null when none waits. */
  oldestPendingAt: Date | null;
}

@Injectable()
export class MailOutboxRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly liveness: InstanceLivenessService,
  ) {}

  /** Writes the mail unless one with that cause exists (in `tx` when given); true when written. */
  async insert(row: NewMailRow, tx: Prisma.TransactionClient = this.prisma): Promise<boolean> {
    const inserted = await tx.$executeRaw`
      INSERT INTO mail_outbox (id, cause, user_id, recipient, template, params, message_id)
      VALUES (${row.id}::uuid, ${row.cause}, ${row.userId}::uuid, ${row.recipient}, ${row.template},
              ${JSON.stringify(row.params)}::jsonb, ${row.messageId})
      ON CONFLICT (cause) DO NOTHING`;
    return inserted === 1;
  }

  /**
   * Takes up to `limit` due mails for `leaseSeconds`, with SKIP LOCKED so that every instance can
   * share the work: pending, due, and not held by a live claim. A claim whose instance has died
   * (its liveness lock gone) is taken over at once; a live instance's claim only once its lease
   * has run out. The claim is committed before anything is sent: no transaction is held across SMTP.
   */
  async claimDue(limit: number, leaseSeconds: number): Promise<ClaimResult> {
    const rows = await this.prisma.$queryRaw<(Partial<ClaimedMail> & { oldestPendingAt: Date | null })[]>`
      WITH claimed AS (
        UPDATE mail_outbox
        SET attempts = attempts + 1, claimed_by = ${this.liveness.instanceId},
            claimed_until = now() + make_interval(secs => ${leaseSeconds})
        WHERE id IN (
          SELECT id FROM mail_outbox
          WHERE status = 'pending' AND next_attempt_at <= now()
            AND (claimed_until IS NULL OR claimed_until < now() OR NOT ${claimantAlive()})
          ORDER BY next_attempt_at
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED)
        RETURNING id, recipient, template, params, attempts, message_id, created_at),
      oldest AS (SELECT min(created_at) AS oldest_pending_at FROM mail_outbox WHERE status = 'pending')
      SELECT oldest.oldest_pending_at AS "oldestPendingAt", claimed.id, claimed.recipient, claimed.template,
             claimed.params, claimed.attempts, claimed.message_id AS "messageId", claimed.created_at AS "createdAt"
      FROM oldest LEFT JOIN claimed ON true`;
    return {
      oldestPendingAt: rows[0]?.oldestPendingAt ?? null,
      mails: rows.filter((row): row is ClaimedMail & { oldestPendingAt: Date | null } => row.id != null),
    };
  }

  /** Right after the server's 250: the mail is out. Its secret parameters (tokens) leave the database. */
  async markSent(id: string, secretParams: string[]): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE mail_outbox
      SET status = 'sent', sent_at = now(), claimed_until = NULL, claimed_by = NULL, last_error = NULL,
          params = params - ${secretParams}::text[]
      WHERE id = ${id}::uuid`;
  }

  /** Releases this instance's claim until `nextAttemptAt`. */
  async scheduleRetry(id: string, nextAttemptAt: Date, error: string): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE mail_outbox
      SET next_attempt_at = ${nextAttemptAt}, last_error = ${error}, claimed_until = NULL, claimed_by = NULL
      WHERE id = ${id}::uuid AND status = 'pending' AND claimed_by = ${this.liveness.instanceId}`;
  }

  async markFailed(id: string, error: string, secretParams: string[]): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE mail_outbox
      SET status = 'failed', last_error = ${error}, claimed_until = NULL, claimed_by = NULL,
          params = params - ${secretParams}::text[]
      WHERE id = ${id}::uuid AND status = 'pending'`;
  }

  /** Newest first, after `cursor`. */
  page(
    status: MailStatus | undefined,
    cursor: NewestFirstCursor | undefined,
    take: number,
  ): Promise<MailOutboxEntry[]> {
    return this.prisma.mailOutboxEntry.findMany({
      where: { ...(status ? { status } : {}), ...afterCursor(cursor) },
      orderBy: [...NEWEST_FIRST],
      take,
    });
  }

  /**
   * Forgets the user's address and parameters in every mail about them; what was still to be sent
   * is not sent. For erasing an account.
   */
  async erasePersonalData(userId: string, tx: Prisma.TransactionClient = this.prisma): Promise<void> {
    await tx.$executeRaw`
      UPDATE mail_outbox
      SET recipient = '', params = '{}'::jsonb, claimed_until = NULL, claimed_by = NULL,
          status = CASE WHEN status = 'pending' THEN 'failed'::"MailStatus" ELSE status END,
          last_error = CASE WHEN status = 'pending' THEN 'recipient erased' ELSE last_error END
      WHERE user_id = ${userId}::uuid`;
  }
}

/** Whether the instance that claimed the row still holds its liveness lock (see InstanceLivenessService). */
function claimantAlive() {
  return Prisma.sql`EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted
    AND l.classid = ${INSTANCE_LOCK_NAMESPACE} AND l.objid = mail_outbox.claimed_by AND l.objsubid = 2)`;
}
