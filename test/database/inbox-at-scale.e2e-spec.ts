import { Client } from 'pg';

import {
  CLAIM_DUE,
  DELETE_EXPIRED_BATCH,
  LIST_ALL,
  LIST_BY_STATUS,
} from '../../src/modules/webhooks/webhook-inbox.queries';
import { isolatedDatabase } from '../support/billing';
import { must } from '../support/must';
import { TestDatabaseServer } from '../support/test-database';

const SEEDED = 200_000;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

/**
 * The inbox's hot statements, planned on a table of 200,000 done events: the worker's claim (every
 * second on every instance) and the admin list must stay index scans. The statements are the ones the
 * repository runs (webhook-inbox.queries.ts), with its parameters.
 */
describe('the webhook inbox at scale', () => {
  let database: TestDatabaseServer;
  let client: Client;

  beforeAll(async () => {
    database = await isolatedDatabase();
    client = new Client({ connectionString: database.url });
    await client.connect();
    // The test decides when statistics are taken.
    await client.query('ALTER TABLE webhook_events SET (autovacuum_enabled = false)');
    await client.query(
      `INSERT INTO webhook_events (id, type, payload, status, attempts, stripe_created_at, received_at,
                                   processed_at, next_attempt_at)
       SELECT 'evt_done_' || n, 'invoice.paid', '{"object":"event"}',
              (CASE WHEN n % 5 = 0 THEN 'ignored' ELSE 'processed' END)::"WebhookEventStatus", 1,
              now() - make_interval(secs => n), now() - make_interval(secs => n),
              now() - make_interval(secs => n), now() - make_interval(secs => n)
       FROM generate_series(1, $1::int) AS n`,
      [SEEDED],
    );
    await client.query(`
      INSERT INTO webhook_events (id, type, payload, status, attempts, stripe_created_at, next_attempt_at, last_error)
      SELECT 'evt_due_' || n, 'invoice.paid', '{}'::json, 'pending'::"WebhookEventStatus", 0, now() - interval '1 minute', now(), NULL
      FROM generate_series(1, 5) AS n
      UNION ALL
      SELECT 'evt_failed_' || n, 'invoice.paid', '{}'::json, 'failed'::"WebhookEventStatus", 3, now() - interval '2 days',
             now() + interval '1 hour', 'Stripe timed out'
      FROM generate_series(1, 20) AS n`);
    await client.query('ANALYZE webhook_events');
  }, 120_000);

  afterAll(async () => {
    await client?.end();
    await database?.release();
  });

  it('claims due events reading only the claimable rows, through an index', async () => {
    const claim = await explainAnalyze(CLAIM_DUE, [300, 1, 20]);

    expect(seqScansOfInbox(claim.plan)).toEqual([]);
    expect(inboxRowsRead(claim.plan)).toBeLessThan(100);
    expect(claim.rows).toBe(5);
  });

  it('still does when the statistics count the done rows as due (a burst just processed, not analyzed since)', async () => {
    await client.query(`UPDATE webhook_events SET status = 'pending' WHERE id LIKE 'evt_done_%'`);
    await client.query('ANALYZE webhook_events');
    await client.query(`UPDATE webhook_events SET status = 'processed' WHERE id LIKE 'evt_done_%'`);
    await client.query('VACUUM webhook_events');

    const claim = await explainAnalyze(CLAIM_DUE, [300, 1, 20]);

    expect(seqScansOfInbox(claim.plan)).toEqual([]);
    expect(indexesUsed(claim.plan)).toContain('webhook_events_claimable_idx');
    expect(inboxRowsRead(claim.plan)).toBeLessThan(100);
    expect(claim.rows).toBe(5);
    process.stdout.write(
      `claim on ${SEEDED} done events, statistics from the burst: ${claim.milliseconds} ms\n`,
    );
    await client.query('ANALYZE webhook_events');
  }, 60_000);

  it('lists the newest events, of one status or of all, through an index', async () => {
    const processed = await explainAnalyze(LIST_BY_STATUS, ['processed', 100]);
    // Which index serves a status is the planner's choice (20 failed rows may be read through the
    // claimable index and sorted); what must hold is that no list reads the table.
    const failed = await explainAnalyze(LIST_BY_STATUS, ['failed', 100]);
    const all = await explainAnalyze(LIST_ALL, [100]);

    expect(seqScansOfInbox(processed.plan)).toEqual([]);
    expect(indexesUsed(processed.plan)).not.toEqual([]);
    expect(inboxRowsRead(processed.plan)).toBeLessThan(1_000);
    expect(processed.rows).toBe(100);
    expect(seqScansOfInbox(failed.plan)).toEqual([]);
    expect(inboxRowsRead(failed.plan)).toBeLessThan(100);
    expect(failed.rows).toBe(20);
    expect(seqScansOfInbox(all.plan)).toEqual([]);
    expect(indexesUsed(all.plan)).toContain('webhook_events_received_at_idx');
    expect(inboxRowsRead(all.plan)).toBeLessThan(1_000);
  });

  it('finds the events past retention through an index', async () => {
    const retention = await explainAnalyze(DELETE_EXPIRED_BATCH, [90, 5_000]);

    expect(seqScansOfInbox(retention.plan)).toEqual([]);
    expect(inboxRowsRead(retention.plan)).toBeLessThan(100);
  });

  /** The statement's plan as it ran, in a transaction rolled back afterwards. */
  async function explainAnalyze(
    statement: string,
    values: unknown[],
  ): Promise<{ plan: PlanNode; rows: number; milliseconds: number }> {
    await client.query('BEGIN');
    try {
      const { rows } = await client.query<{
        'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number }];
      }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${statement}`, values);
      const [{ Plan: plan, 'Execution Time': milliseconds }] = must(rows[0], 'a plan')['QUERY PLAN'];
      return { plan, rows: resultRows(plan), milliseconds };
    } finally {
      await client.query('ROLLBACK');
    }
  }
});

function nodesOf(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];
}

function seqScansOfInbox(plan: PlanNode): PlanNode[] {
  return nodesOf(plan).filter(
    (node) => node['Node Type'] === 'Seq Scan' && node['Relation Name'] === 'webhook_events',
  );
}

/** Rows of webhook_events the scans produced or threw away: the work, whatever the plan's shape. */
function inboxRowsRead(plan: PlanNode): number {
  return nodesOf(plan)
    .filter((node) => node['Relation Name'] === 'webhook_events' && node['Node Type'].includes('Scan'))
    .reduce(
      (sum, node) =>
        sum +
        node['Actual Rows'] * node['Actual Loops'] +
        (node['Rows Removed by Filter'] ?? 0) +
        (node['Rows Removed by Index Recheck'] ?? 0),
      0,
    );
}

/** Rows the statement returned (an UPDATE … RETURNING counts what it updated). */
function resultRows(plan: PlanNode): number {
  return plan['Actual Rows'];
}

function indexesUsed(plan: PlanNode): string[] {
  return nodesOf(plan).flatMap((node) => (node['Index Name'] ? [node['Index Name']] : []));
}
