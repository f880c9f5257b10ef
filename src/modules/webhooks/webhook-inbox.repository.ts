import { Injectable } from '@nestjs/common';

import { INSTANCE_LOCK_NAMESPACE, InstanceLivenessService } from '../../database/instance-liveness.service';
import { PrismaService } from '../../database/prisma.service';
import { Prisma, WebhookEvent, WebhookEventStatus } from '../../generated/prisma/client';

/** Runs on every webhook: a prepared statement. */
const STORE_CLAIMED = `
  INSERT INTO webhook_events (id, type, payload, status, attempts, locked_until, locked_by, stripe_created_at, source)
  VALUES ($1::text, $2::text, $3::json, 'processing', 1, now() + make_interval(secs => $4::int), $5::int,
          to_timestamp($6::double precision), $7::text)
  ON CONFLICT (id) DO NOTHING
  RETURNING id, type, attempts`;

type FinishedStatus = 'processed' | 'ignored';

interface PendingFinish {
  id: string;
  status: FinishedStatus;
  resolve(): void;
  reject(error: Error): void;
}

/** How long a claim holds even if its instance looks alive (a hung handler); processing takes far less. */
const CLAIM_LEASE_SECONDS = 300;

@Injectable()
export class WebhookInboxRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly liveness: InstanceLivenessService,
  ) {}

  /**
   * Stores the event unless it is stored already. A new event is stored claimed by this instance, so
   * the request that received it processes it at once (the worker cannot take it first).
   */
  async storeClaimed(
    event: { id: string; type: string; created: number },
    payload: unknown,
    source: string,
  ): Promise<Pick<WebhookEvent, 'id' | 'type' | 'payload' | 'attempts'> | null> {
    const rows = await this.prisma.prepared<Pick<WebhookEvent, 'id' | 'type' | 'attempts'>>(
      'webhook-store-claimed',
      STORE_CLAIMED,
      [
        event.id,
        event.type,
        JSON.stringify(payload),
        CLAIM_LEASE_SECONDS,
        this.liveness.instanceId,
        event.created,
        source,
      ],
    );
    // The caller has the payload; reading the stored JSON back would only cost.
    return rows[0] ? { ...rows[0], payload: payload as WebhookEvent['payload'] } : null;
  }

  /** Stores an event no handler wants as ignored at once; returns whether it was new. */
  async storeIgnored(
    event: { id: string; type: string; created: number },
    payload: unknown,
    source: string,
  ): Promise<boolean> {
    const stored = await this.prisma.$executeRaw`
      INSERT INTO webhook_events (id, type, payload, status, attempts, processed_at, stripe_created_at, source)
      VALUES (${event.id}, ${event.type}, ${JSON.stringify(payload)}::json, 'ignored', 1, now(),
              to_timestamp(${event.created}), ${source})
      ON CONFLICT (id) DO NOTHING`;
    return stored === 1;
  }

  /** Takes one event for processing, if it is due and nobody else holds it. */
  async claim(id: string): Promise<WebhookEvent | null> {
    const rows = await this.prisma.$queryRaw<WebhookEvent[]>`
      UPDATE webhook_events SET status = 'processing', attempts = attempts + 1,
             locked_until = now() + make_interval(secs => ${CLAIM_LEASE_SECONDS}), locked_by = ${this.liveness.instanceId}
      WHERE id = ${id} AND (
        (status IN ('pending', 'failed') AND next_attempt_at <= now())
        OR (status = 'processing' AND (locked_until < now() OR NOT ${claimantAlive()})))
      RETURNING id, type, payload, attempts, stripe_created_at AS "stripeCreatedAt"`;
    return rows[0] ?? null;
  }

  /** Due events, oldest first, claimed with SKIP LOCKED so that any number of instances can share the work. */
  async claimDue(limit: number): Promise<WebhookEvent[]> {
    return this.prisma.$queryRaw<WebhookEvent[]>`
      UPDATE webhook_events SET status = 'processing', attempts = attempts + 1,
             locked_until = now() + make_interval(secs => ${CLAIM_LEASE_SECONDS}), locked_by = ${this.liveness.instanceId}
      WHERE id IN (
        SELECT id FROM webhook_events
        WHERE (status IN ('pending', 'failed') AND next_attempt_at <= now())
           OR (status = 'processing' AND (locked_until < now() OR NOT ${claimantAlive()}))
        ORDER BY stripe_created_at
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING id, type, payload, attempts, stripe_created_at AS "stripeCreatedAt"`;
  }

  /**
   * Marks the event done. Under load many requests finish at once: those that arrive while one update
   * is running are marked together by the next one (like PostgreSQL's group commit), so that a busy
   * instance spends one statement on many events; alone, an event is marked at once.
   */
  finish(id: string, status: FinishedStatus): Promise<void> {
    return new Promise((resolve, reject) => {
      this.finishing.push({ id, status, resolve, reject });
      this.finishingRun ??= this.markFinished();
    });
  }

  private readonly finishing: PendingFinish[] = [];
  private finishingRun: Promise<void> | null = null;

  private async markFinished(): Promise<void> {
    while (this.finishing.length > 0) {
      const batch = this.finishing.splice(0);
      try {
        await this.prisma.$executeRaw`
          UPDATE webhook_events AS event
          SET status = done.status::"WebhookEventStatus", processed_at = now(),
              locked_until = NULL, locked_by = NULL, last_error = NULL
          FROM unnest(${batch.map((entry) => entry.id)}::text[], ${batch.map((entry) => entry.status)}::text[])
               AS done (id, status)
          WHERE event.id = done.id`;
        for (const entry of batch) entry.resolve();
      } catch (error) {
        for (const entry of batch) entry.reject(error as Error);
      }
    }
    this.finishingRun = null;
  }

  async fail(id: string, error: string, nextAttemptAt: Date): Promise<void> {
    await this.prisma.webhookEvent.updateMany({
      where: { id },
      data: {
        status: 'failed',
        lastError: error.slice(0, 2000),
        nextAttemptAt,
        lockedUntil: null,
        lockedBy: null,
      },
    });
  }

  /**
   * Takes an event for processing again, whatever its status (an admin's replay), unless a live claim
   * holds it. Claiming in the same statement that reopens it keeps the worker from taking it in between.
   */
  async claimForReplay(id: string): Promise<WebhookEvent | null> {
    const rows = await this.prisma.$queryRaw<WebhookEvent[]>`
      UPDATE webhook_events SET status = 'processing', attempts = attempts + 1, next_attempt_at = now(),
             locked_until = now() + make_interval(secs => ${CLAIM_LEASE_SECONDS}), locked_by = ${this.liveness.instanceId}
      WHERE id = ${id} AND (status <> 'processing' OR locked_until < now() OR NOT ${claimantAlive()})
      RETURNING id, type, payload, attempts, stripe_created_at AS "stripeCreatedAt"`;
    return rows[0] ?? null;
  }

  find(id: string): Promise<WebhookEvent | null> {
    return this.prisma.webhookEvent.findUnique({ where: { id } });
  }

  list(status: WebhookEventStatus | undefined, take = 100) {
    return this.prisma.webhookEvent.findMany({
      where: status ? { status } : {},
      orderBy: { receivedAt: 'desc' },
      take,
      select: {
        id: true,
        type: true,
        status: true,
        attempts: true,
        lastError: true,
        receivedAt: true,
        processedAt: true,
        nextAttemptAt: true,
      },
    });
  }

  async newestEventCreatedAt(): Promise<Date | null> {
    const newest = await this.prisma.webhookEvent.aggregate({ _max: { stripeCreatedAt: true } });
    return newest._max.stripeCreatedAt;
  }

  /** The time up to which every Stripe event is known to be stored; null before the first complete catch-up. */
  async storedThrough(): Promise<Date | null> {
    const watermark = await this.prisma.webhookInboxWatermark.findUnique({ where: { id: 1 } });
    return watermark?.storedThrough ?? null;
  }

  /** Moves the watermark forward (never back: catch-ups of two instances may finish in any order). */
  async markStoredThrough(time: Date): Promise<void> {
    await this.prisma.$executeRaw`
      INSERT INTO webhook_inbox_watermark (id, stored_through) VALUES (1, ${time})
      ON CONFLICT (id) DO UPDATE
      SET stored_through = GREATEST(webhook_inbox_watermark.stored_through, EXCLUDED.stored_through),
          updated_at = now()`;
  }

  async knownIds(ids: string[]): Promise<Set<string>> {
    const rows = await this.prisma.webhookEvent.findMany({
      where: { id: { in: ids } },
      select: { id: true },
    });
    return new Set(rows.map((row) => row.id));
  }
}

/** Whether the instance that claimed the row still holds its liveness lock. */
function claimantAlive() {
  return Prisma.sql`EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted
    AND l.classid = ${INSTANCE_LOCK_NAMESPACE} AND l.objid = webhook_events.locked_by AND l.objsubid = 2)`;
}

export type StoredEvent = Pick<WebhookEvent, 'id' | 'type' | 'payload' | 'attempts'>;
