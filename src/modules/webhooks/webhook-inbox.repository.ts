import { Injectable } from '@nestjs/common';

import { GroupCommit } from '../../common/concurrency/group-commit';
import { InstanceLivenessService } from '../../database/instance-liveness.service';
import { PrismaService } from '../../database/prisma.service';
import { WebhookEvent, WebhookEventStatus } from '../../generated/prisma/client';
import {
  CLAIM_DUE,
  CLAIM_FOR_REPLAY,
  CLAIM_ONE,
  DELETE_EXPIRED_BATCH,
  LIST_ALL,
  LIST_BY_STATUS,
  ListedWebhookEvent,
} from './webhook-inbox.queries';

/** Runs on every webhook: a prepared statement. */
const STORE_CLAIMED = `
  INSERT INTO webhook_events (id, type, payload, status, attempts, locked_until, locked_by, stripe_created_at, source)
  VALUES ($1::text, $2::text, $3::json, 'processing', 1, now() + make_interval(secs => $4::int), $5::int,
          to_timestamp($6::double precision), $7::text)
  ON CONFLICT (id) DO NOTHING
  RETURNING id, type, attempts, received_at AS "receivedAt"`;

/**
 * Runs for every webhook that arrives while the Stripe budget is spent or the worker has a backlog (a
 * burst): the events that arrived together in one prepared statement.
 */
const STORE_PENDING_BATCH = `
  INSERT INTO webhook_events (id, type, payload, status, attempts, next_attempt_at, stripe_created_at, source)
  SELECT stored.id, stored.type, payloads.payload, 'pending', 0, now(), to_timestamp(stored.created), stored.source
  FROM unnest($1::text[], $2::text[], $4::double precision[], $5::text[]) WITH ORDINALITY
       AS stored (id, type, created, source, n)
  JOIN json_array_elements($3::json) WITH ORDINALITY AS payloads (payload, n) USING (n)
  ON CONFLICT (id) DO NOTHING
  RETURNING id`;

const MARK_FINISHED_BATCH = `
  UPDATE webhook_events AS event
  SET status = done.status::"WebhookEventStatus", processed_at = now(),
      locked_until = NULL, locked_by = NULL, last_error = NULL
  FROM unnest($1::text[], $2::text[]) AS done (id, status)
  WHERE event.id = done.id`;

type FinishedStatus = 'processed' | 'ignored';

interface PendingEvent {
  id: string;
  type: string;
  payload: unknown;
  created: number;
  source: string;
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
  ): Promise<ClaimedEvent | null> {
    const rows = await this.prisma.prepared<Omit<ClaimedEvent, 'payload'>>(
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

  /**
   * Stores the event for the worker (due now, nobody's claim) unless it is stored already; returns
   * whether it was new. Events stored at the same moment go in one statement.
   */
  storePending(
    event: { id: string; type: string; created: number },
    payload: unknown,
    source: string,
  ): Promise<boolean> {
    const { id, type, created } = event;
    return this.pendingStores.add({ id, type, payload, created, source });
  }

  private readonly pendingStores = new GroupCommit<PendingEvent, boolean>(async (batch) => {
    const rows = await this.prisma.prepared<{ id: string }>('webhook-store-pending', STORE_PENDING_BATCH, [
      batch.map((event) => event.id),
      batch.map((event) => event.type),
      // One JSON array rather than a text[]: pg escapes every element of an array parameter in
      // JavaScript, which for events of several kilobytes costs more than the statement.
      JSON.stringify(batch.map((event) => event.payload)),
      batch.map((event) => event.created),
      batch.map((event) => event.source),
    ]);
    // The same event twice in one batch (two deliveries at once) was stored once: by the first.
    const stored = new Set(rows.map((row) => row.id));
    return batch.map((event) => stored.delete(event.id));
  });

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
  async claim(id: string): Promise<ClaimedEvent | null> {
    const rows = await this.prisma.$queryRawUnsafe<WebhookEvent[]>(
      CLAIM_ONE,
      CLAIM_LEASE_SECONDS,
      this.liveness.instanceId,
      id,
    );
    return rows[0] ?? null;
  }

  /** Due events, oldest first, claimed with SKIP LOCKED so that any number of instances can share the work. */
  async claimDue(limit: number): Promise<ClaimedEvent[]> {
    return this.prisma.$queryRawUnsafe<WebhookEvent[]>(
      CLAIM_DUE,
      CLAIM_LEASE_SECONDS,
      this.liveness.instanceId,
      limit,
    );
  }

  /**
   * Marks the event done. Under load many requests finish at once: those that arrive while one update
   * is running are marked together by the next one (like PostgreSQL's group commit), so that a busy
   * instance spends one statement on many events; alone, an event is marked at once.
   */
  finish(id: string, status: FinishedStatus): Promise<void> {
    return this.finishes.add({ id, status });
  }

  private readonly finishes = new GroupCommit<{ id: string; status: FinishedStatus }, void>(async (batch) => {
    await this.prisma.prepared('webhook-mark-finished', MARK_FINISHED_BATCH, [
      batch.map((entry) => entry.id),
      batch.map((entry) => entry.status),
    ]);
    return batch.map(() => undefined);
  });

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
  async claimForReplay(id: string): Promise<ClaimedEvent | null> {
    const rows = await this.prisma.$queryRawUnsafe<WebhookEvent[]>(
      CLAIM_FOR_REPLAY,
      CLAIM_LEASE_SECONDS,
      this.liveness.instanceId,
      id,
    );
    return rows[0] ?? null;
  }

  find(id: string): Promise<WebhookEvent | null> {
    return this.prisma.webhookEvent.findUnique({ where: { id } });
  }

  list(status: WebhookEventStatus | undefined, take = 100): Promise<ListedWebhookEvent[]> {
    return status
      ? this.prisma.$queryRawUnsafe<ListedWebhookEvent[]>(LIST_BY_STATUS, status, take)
      : this.prisma.$queryRawUnsafe<ListedWebhookEvent[]>(LIST_ALL, take);
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

  /** Deletes at most `limit` processed or ignored events received more than `days` ago; how many. */
  deleteExpiredBatch(days: number, limit: number): Promise<number> {
    return this.prisma.$executeRawUnsafe(DELETE_EXPIRED_BATCH, days, limit);
  }

  async knownIds(ids: string[]): Promise<Set<string>> {
    const rows = await this.prisma.webhookEvent.findMany({
      where: { id: { in: ids } },
      select: { id: true },
    });
    return new Set(rows.map((row) => row.id));
  }
}

/** An event claimed for processing; `receivedAt` is when it first arrived (the database's clock). */
export type ClaimedEvent = Pick<WebhookEvent, 'id' | 'type' | 'payload' | 'attempts' | 'receivedAt'>;
