import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

import { EmbeddedDatabase, startEmbeddedDatabase } from '../../src/database/embedded-database';

export interface TestDatabaseServer {
  url: string;
  release(): Promise<void>;
}

/**
 * The suite's PostgreSQL: a fresh database on the server named by TEST_DATABASE_URL or DATABASE_URL,
 * or else a throw-away embedded PostgreSQL.
 */
export async function provideTestDatabase(): Promise<TestDatabaseServer> {
  const given = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  return given ? freshDatabaseOn(given) : embeddedServer();
}

async function freshDatabaseOn(serverUrl: string): Promise<TestDatabaseServer> {
  const name = `tollgate_test_${process.pid}_${Date.now()}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    release: () => adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function embeddedServer(): Promise<TestDatabaseServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tollgate-test-db-'));
  const database: EmbeddedDatabase = await startEmbeddedDatabase({
    dataDir,
    port: 0,
    databaseName: 'tollgate_test',
  });
  return {
    url: database.url,
    async release() {
      await database.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
