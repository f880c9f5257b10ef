import request from 'supertest';

import { cleanEnvironment, ServerProcess, spawnServer } from './server-process';

export const TEST_JWT_SECRET = 'test-jwt-secret-that-is-long-enough-0123456789';

export type TestServer = ServerProcess;

/** The real service, compiled, in its own process, on the suite's database. */
export function startTestServer(overrides: NodeJS.ProcessEnv = {}): Promise<TestServer> {
  const databaseUrl = process.env.TEST_DATABASE_URL;
  if (!databaseUrl) throw new Error('TEST_DATABASE_URL is not set: run the suite through jest.config.js');
  return spawnServer(
    cleanEnvironment({
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      MIGRATE_ON_BOOT: 'false',
      JWT_SECRET: TEST_JWT_SECRET,
      // Without SMTP_URL (give one to send over SMTP, see mail-server.ts) mail is written under DATA_DIR/mail.
      DATA_DIR: process.env.TEST_DATA_DIR,
      // Every test signs its accounts up from 127.0.0.1; the per-client limit has a test of its own.
      SIGNUPS_PER_CLIENT_PER_HOUR: '1000000',
      // The double answers at once and counts nothing: suites are not paced unless they test the pacing.
      STRIPE_MAX_RPS: '10000',
      ...overrides,
    }),
  );
}

export function api(server: { url: string }) {
  return request(server.url);
}

/** The server's database pool acquires so far (its /metrics `db_pool_acquires_total`), less the counters in `less`. */
export async function dbPoolAcquires(server: { url: string }, less: string[] = []): Promise<number> {
  const metrics = (await api(server).get('/metrics').expect(200)).text;
  const counter = (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(metrics)![1]);
  return less.reduce((acquires, name) => acquires - counter(name), counter('db_pool_acquires_total'));
}
