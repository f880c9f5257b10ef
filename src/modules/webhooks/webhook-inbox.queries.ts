import { INSTANCE_LOCK_NAMESPACE } from '../../database/instance-lock';
import type { WebhookEvent } from '../../generated/prisma/client';

// The inbox's hot statements, as text, so that test/database/inbox-at-scale.e2e-spec.ts plans the very
// statements the repository runs (this file imports nothing from Nest, which Jest cannot load).

/** The instance that claimed the row no longer holds its liveness lock (InstanceLivenessService). */
const CLAIMANT_GONE = `NOT EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted
    AND l.classid = ${INSTANCE_LOCK_NAMESPACE} AND l.objid = webhook_events.locked_by AND l.objsubid = 2)`;

/**
 * The rows a claim may take. Its first line is, word for word, the predicate of the partial index
 * `webhook_events_claimable_idx` (migration 20261201000000_inbox_indexes): PostgreSQL uses a partial
 * index only when it can prove the query implies the predicate, which it does not prove from the OR
 * below alone, and would then walk every processed row in `stripe_created_at` order.
 * test/database/inbox-at-scale.e2e-spec.ts checks the plan on a large table.
 */
const CLAIMABLE = `status IN ('pending', 'failed', 'processing') AND (
    (status IN ('pending', 'failed') AND next_attempt_at <= now())
    OR (status = 'processing' AND (locked_until < now() OR ${CLAIMANT_GONE})))`;

const CLAIMED_COLUMNS = `id, type, payload, attempts, stripe_created_at AS "stripeCreatedAt", received_at AS "receivedAt"`;

/** Every claim: $1 the lease in seconds, $2 this instance's id. */
const TAKE_CLAIM = `UPDATE webhook_events SET status = 'processing', attempts = attempts + 1,
    locked_until = now() + make_interval(secs => $1::int), locked_by = $2::int`;

/** $3: the event's id. */
export const CLAIM_ONE = `${TAKE_CLAIM}
  WHERE id = $3::text AND ${CLAIMABLE}
  RETURNING ${CLAIMED_COLUMNS}`;

/** An admin's replay: any status, unless a live claim holds it. $3: the event's id. */
export const CLAIM_FOR_REPLAY = `${TAKE_CLAIM}, next_attempt_at = now()
  WHERE id = $3::text AND (status <> 'processing' OR locked_until < now() OR ${CLAIMANT_GONE})
  RETURNING ${CLAIMED_COLUMNS}`;

/** The worker's poll, every second on every instance. $3: how many at most. */
export const CLAIM_DUE = `${TAKE_CLAIM}
  WHERE id IN (
    SELECT id FROM webhook_events
    WHERE ${CLAIMABLE}
    ORDER BY stripe_created_at
    LIMIT $3::int
    FOR UPDATE SKIP LOCKED)
  RETURNING ${CLAIMED_COLUMNS}`;

const LISTED_COLUMNS = `id, type, status, attempts, last_error AS "lastError", received_at AS "receivedAt",
    processed_at AS "processedAt", next_attempt_at AS "nextAttemptAt"`;

/** The admin list, newest first: $1 how many. Served by the index on `received_at`. */
export const LIST_ALL = `SELECT ${LISTED_COLUMNS} FROM webhook_events ORDER BY received_at DESC LIMIT $1::int`;

/** The admin list of one status: $1 the status, $2 how many. Served by the index on (status, received_at). */
export const LIST_BY_STATUS = `SELECT ${LISTED_COLUMNS} FROM webhook_events
  WHERE status = $1::"WebhookEventStatus" ORDER BY received_at DESC LIMIT $2::int`;

export type ListedWebhookEvent = Pick<
  WebhookEvent,
  'id' | 'type' | 'status' | 'attempts' | 'lastError' | 'receivedAt' | 'processedAt' | 'nextAttemptAt'
>;

/**
 * One batch of the retention pass: processed and ignored events received more than $1 days ago, at
 * most $2 of them (short statements: no long lock, no huge transaction). Failed and due events stay.
 */
export const DELETE_EXPIRED_BATCH = `DELETE FROM webhook_events WHERE id IN (
    SELECT id FROM webhook_events
    WHERE status IN ('processed', 'ignored') AND received_at < now() - make_interval(days => $1::int)
    LIMIT $2::int)`;
