import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

import { INSTANCE_LOCK_NAMESPACE, InstanceLivenessService } from '../../database/instance-liveness.service';
import { afterCursor, NEWEST_FIRST, NewestFirstCursor } from '../../common/pagination/newest-first';
import { PrismaService } from '../../database/prisma.service';
import { MeterEventOutboxEntry, MeterEventStatus, Prisma } from '../../generated/prisma/client';

/** Units past a quota's limit, for one account and meter, that a quota flush moves to the outbox. */
export interface OverageUnits {
  accountId: string;
  eventName: string;
  units: number;
}

/** A row taken by this instance for sending. */
export interface ClaimedMeterEvent {
  id: string;
  accountId: string;
  eventName: string;
  windowStart: Date;
  value: number;
  identifier: string;
  attempts: number;
  createdAt: Date;
  /** The account's Stripe customer now; null when it has none (yet). */
  stripeCustomerId: string | null;
}

/**
 * A window's row takes more units until a send of it has been attempted; after that its value is
 * frozen (a retry must send what the first attempt sent), and later units go to a later window. A
 * flush that finds its window's row frozen moves on one window at a time: a handful at most, since a
 * row is only claimed once its window has ended.
 */
const MAX_WINDOW_SHIFTS = 100;

@Injectable()
export class MeterEventOutboxRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly liveness: InstanceLivenessService,
  ) {}

  /**
   * Adds the units to the current window's row of each account and meter, in `tx` (the quota flush's
   * transaction): they reach Stripe if and only if the flush commits. The window is taken from the
   * database's clock, which every instance shares.
   */
  async add(overages: OverageUnits[], windowMs: number, tx: Prisma.TransactionClient): Promise<void> {
    let pending = sumByMeter(overages);
    for (let shift = 0; pending.length > 0; shift++) {
      if (shift > MAX_WINDOW_SHIFTS) throw new Error('no open meter event window found for the overage');
      const ids = pending.map(() => randomUUID());
      const written = await tx.$queryRaw<{ accountId: string; eventName: string }[]>`
        INSERT INTO meter_event_outbox AS o
               (id, identifier, account_id, event_name, value, window_start, window_end, next_attempt_at)
        SELECT k.id, 'tg_' || replace(k.id::text, '-', ''), k.account_id, k.event_name, k.value,
               w.start, w.start + make_interval(secs => ${windowMs}::float8 / 1000), w.start + make_interval(secs => ${windowMs}::float8 / 1000)
          FROM UNNEST(${ids}::uuid[], ${pending.map((entry) => entry.accountId)}::uuid[],
                      ${pending.map((entry) => entry.eventName)}::text[], ${pending.map((entry) => entry.units)}::int[])
               AS k(id, account_id, event_name, value)
         CROSS JOIN (SELECT to_timestamp((floor(extract(epoch FROM clock_timestamp()) * 1000 / ${windowMs}) + ${shift})
                                         * ${windowMs} / 1000.0) AS start) w
        ON CONFLICT (account_id, event_name, window_start) DO UPDATE SET value = o.value + EXCLUDED.value
         WHERE o.status = 'pending' AND o.attempts = 0
        RETURNING o.account_id AS "accountId", o.event_name AS "eventName"`;
      const done = new Set(written.map((row) => meterKey(row)));
      pending = pending.filter((entry) => !done.has(meterKey(entry)));
    }
  }

  /**
   * Takes up to `limit` due rows for `leaseSeconds` (SKIP LOCKED, so every instance shares the work):
   * pending, window ended (or retry due), not held by a live claim. A claim whose instance has died is
   * taken over at once. Per account and meter one row at a time, the oldest first, and none within one
   * window of the last one sent: Stripe takes one call at a time per customer and meter, and the SPEC
   * allows one event per rolling window. The claim commits before anything is sent.
   */
  claimDue(limit: number, leaseSeconds: number, windowMs: number): Promise<ClaimedMeterEvent[]> {
    return this.prisma.$queryRaw<ClaimedMeterEvent[]>`
      WITH due AS (
        SELECT o.id FROM meter_event_outbox o
         WHERE o.status = 'pending' AND o.next_attempt_at <= now()
           AND (o.claimed_until IS NULL OR o.claimed_until < now() OR NOT ${claimantAlive('o')})
           AND NOT EXISTS (
             SELECT 1 FROM meter_event_outbox p
              WHERE p.account_id = o.account_id AND p.event_name = o.event_name AND p.id <> o.id
                AND ((p.status = 'pending' AND p.window_start < o.window_start)
                     OR (p.status = 'sent' AND p.sent_at > now() - make_interval(secs => ${windowMs}::float8 / 1000))))
         ORDER BY o.next_attempt_at
         LIMIT ${limit}
         FOR UPDATE OF o SKIP LOCKED)
      UPDATE meter_event_outbox m
         SET attempts = m.attempts + 1, claimed_by = ${this.liveness.instanceId},
             claimed_until = now() + make_interval(secs => ${leaseSeconds})
        FROM due
       WHERE m.id = due.id
      RETURNING m.id, m.account_id AS "accountId", m.event_name AS "eventName", m.window_start AS "windowStart",
                m.value, m.identifier, m.attempts, m.created_at AS "createdAt",
                (SELECT a.stripe_customer_id FROM accounts a WHERE a.id = m.account_id) AS "stripeCustomerId"`;
  }

  /** Right after Stripe's 200 (or its word that the identifier is known): the event is out. */
  async markSent(id: string): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE meter_event_outbox
         SET status = 'sent', sent_at = now(), claimed_until = NULL, claimed_by = NULL, last_error = NULL
       WHERE id = ${id}::uuid AND status = 'pending'`;
  }

  /** Releases this instance's claim until `nextAttemptAt`. */
  async scheduleRetry(id: string, nextAttemptAt: Date, error: string): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE meter_event_outbox
         SET next_attempt_at = ${nextAttemptAt}, last_error = ${error}, claimed_until = NULL, claimed_by = NULL
       WHERE id = ${id}::uuid AND status = 'pending' AND claimed_by = ${this.liveness.instanceId}`;
  }

  async markFailed(id: string, error: string): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE meter_event_outbox
         SET status = 'failed', last_error = ${error}, claimed_until = NULL, claimed_by = NULL
       WHERE id = ${id}::uuid AND status = 'pending'`;
  }

  /** A window whose units were all given back (failed requests) has nothing to report. */
  async discardEmpty(id: string): Promise<void> {
    await this.prisma.$executeRaw`
      DELETE FROM meter_event_outbox WHERE id = ${id}::uuid AND status = 'pending' AND value = 0`;
  }

  /** Newest first, after `cursor`. */
  page(
    status: MeterEventStatus | undefined,
    cursor: NewestFirstCursor | undefined,
    take: number,
  ): Promise<MeterEventOutboxEntry[]> {
    return this.prisma.meterEventOutboxEntry.findMany({
      where: { ...(status ? { status } : {}), ...afterCursor(cursor) },
      orderBy: [...NEWEST_FIRST],
      take,
    });
  }
}

function meterKey(entry: { accountId: string; eventName: string }): string {
  return `${entry.accountId} ${entry.eventName}`;
}

/**
 * One entry per account and meter (a statement cannot add to the same row twice), in one order on every
 * instance, so that two flushes adding to the same rows lock them in the same order and never deadlock.
 */
function sumByMeter(overages: OverageUnits[]): OverageUnits[] {
  const sums = new Map<string, OverageUnits>();
  for (const overage of overages) {
    const key = meterKey(overage);
    const sum = sums.get(key);
    if (sum) sum.units += overage.units;
    else sums.set(key, { ...overage });
  }
  return [...sums.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, entry]) => entry)
    .filter((entry) => entry.units !== 0);
}

/** Whether the instance that claimed the row still holds its liveness lock (see InstanceLivenessService). */
function claimantAlive(alias: string) {
  return Prisma.sql`EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted
    AND l.classid = ${INSTANCE_LOCK_NAMESPACE} AND l.objid = ${Prisma.raw(alias)}.claimed_by AND l.objsubid = 2)`;
}
