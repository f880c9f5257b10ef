import { Client } from 'pg';

import { eventually, isolatedDatabase } from '../support/billing';
import { cleanEnvironment, runToExit } from '../support/server-process';
import { startTestServer, TestServer } from '../support/test-app';
import { TestDatabaseServer } from '../support/test-database';

const DAY = "interval '1 day'";
/** More than one DELETE batch (5,000) of expired events. */
const EXPIRED_PROCESSED = 12_000;

describe('webhook event retention', () => {
  let database: TestDatabaseServer;
  let client: Client;
  let server: TestServer | undefined;

  beforeAll(async () => {
    database = await isolatedDatabase();
    client = new Client({ connectionString: database.url });
    await client.connect();
  });
  afterAll(async () => {
    await server?.stop();
    await client?.end();
    await database?.release();
  });

  it('deletes processed and ignored events past WEBHOOK_RETENTION_DAYS, and keeps failed and due ones', async () => {
    await client.query(
      `INSERT INTO webhook_events (id, type, payload, status, attempts, stripe_created_at, received_at, processed_at)
       SELECT 'evt_expired_' || n, 'invoice.paid', '{}'::json, 'processed'::"WebhookEventStatus", 1,
              now() - 41 * ${DAY}, now() - 41 * ${DAY}, now() - 41 * ${DAY}
       FROM generate_series(1, $1::int) AS n`,
      [EXPIRED_PROCESSED],
    );
    await insertEvent('evt_expired_ignored', 'ignored', 41);
    await insertEvent('evt_old_failed', 'failed', 41);
    await insertEvent('evt_old_pending', 'pending', 41);
    await insertEvent('evt_recent_processed', 'processed', 39);
    await insertEvent('evt_recent_ignored', 'ignored', 1);

    server = await startTestServer({
      DATABASE_URL: database.url,
      WEBHOOK_RETENTION_DAYS: '40',
      WEBHOOK_RETENTION_INTERVAL_MS: '200',
    });

    await eventually(async () => expect(await count("id LIKE 'evt_expired_%'")).toBe(0), 15_000);
    expect(await remainingIds()).toEqual([
      'evt_old_failed',
      'evt_old_pending',
      'evt_recent_ignored',
      'evt_recent_processed',
    ]);
  });

  it('refuses to boot with a retention shorter than the 30 days Stripe can resend an event', async () => {
    const { code, stderr } = await runToExit(
      cleanEnvironment({ WEBHOOK_RETENTION_DAYS: '29', DATA_DIR: process.env.TEST_DATA_DIR }),
    );
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^Invalid configuration: WEBHOOK_RETENTION_DAYS must not be less than 30/),
    ]);
  });

  async function insertEvent(id: string, status: string, daysAgo: number): Promise<void> {
    await client.query(
      `INSERT INTO webhook_events (id, type, payload, status, attempts, stripe_created_at, received_at,
                                   processed_at, next_attempt_at)
       VALUES ($1, 'invoice.paid', '{}'::json, $2::"WebhookEventStatus", 1, now() - $3 * ${DAY},
               now() - $3 * ${DAY}, CASE WHEN $2 IN ('processed', 'ignored') THEN now() - $3 * ${DAY} END,
               -- a retry not yet due: the worker leaves it as it is
               now() + interval '1 hour')`,
      [id, status, daysAgo],
    );
  }

  async function count(where: string): Promise<number> {
    const { rows } = await client.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM webhook_events WHERE ${where}`,
    );
    return rows[0]!.count;
  }

  async function remainingIds(): Promise<string[]> {
    const { rows } = await client.query<{ id: string }>('SELECT id FROM webhook_events ORDER BY id');
    return rows.map((row) => row.id);
  }
});
