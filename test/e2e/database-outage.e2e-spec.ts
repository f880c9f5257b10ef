import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { EmbeddedDatabase, startEmbeddedDatabase } from '../../src/database/embedded-database';
import { applyMigrations } from '../../src/database/migrations/migration-runner';
import { signUp, uniqueEmail } from '../support/accounts';
import { api, startTestServer, TestServer } from '../support/test-app';

async function eventually(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('staying up while PostgreSQL goes away and comes back', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tollgate-outage-'));
  let database: EmbeddedDatabase;
  let server: TestServer;
  let port: number;

  beforeAll(async () => {
    database = await startEmbeddedDatabase({ dataDir, port: 0, databaseName: 'outage' });
    port = Number(new URL(database.url).port);
    await applyMigrations(database.url);
    server = await startTestServer({ DATABASE_URL: database.url });
  });
  afterAll(async () => {
    await server?.stop();
    await database?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 503 while the database is down, never exits, and recovers by itself', async () => {
    const before = await signUp(server.url, 'before-outage');
    await database.stop();

    const ready = await api(server).get('/health/ready').expect(503);
    expect(ready.headers['content-type']).toMatch(/application\/problem\+json/);
    const signup = await api(server)
      .post('/v1/auth/signup')
      .send({ email: uniqueEmail(), password: 'during-the-outage' })
      .expect(503);
    expect(signup.body.code).toBe('database_unavailable');
    expect(JSON.stringify(signup.body)).not.toMatch(/ECONNREFUSED|stack|SELECT/i);
    await api(server).get('/health').expect(200);

    database = await startEmbeddedDatabase({ dataDir, port, databaseName: 'outage' });
    await eventually(async () => (await api(server).get('/health/ready')).status === 200);
    await api(server)
      .post('/v1/auth/login')
      .send({ email: before.email, password: before.password })
      .expect(200);
    await signUp(server.url, 'after-outage');
  });
});
