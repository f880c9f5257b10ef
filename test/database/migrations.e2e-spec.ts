import { readdirSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';

import { applyMigrations, schemaDrift } from '../../src/database/migrations/migration-runner';

const serverUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
const migrationFolders = readdirSync(path.join(__dirname, '../../prisma/migrations'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

describe('database migrations', () => {
  beforeAll(() => {
    if (!serverUrl) throw new Error('Set TEST_DATABASE_URL (the Jest global setup does) to a PostgreSQL URL');
  });

  it('agree with prisma/schema.prisma (otherwise: npm run db:migration:create -- <name>)', async () => {
    expect(await schemaDrift(serverUrl!)).toBe('');
  });

  describe('on a fresh database', () => {
    let database: { url: string; drop(): Promise<void> };

    beforeEach(async () => {
      database = await createDatabase(serverUrl!);
    });
    afterEach(async () => {
      await database.drop();
    });

    it('are applied once, in order, and applying again changes nothing', async () => {
      expect(await applyMigrations(database.url)).toEqual(migrationFolders);
      expect(await applyMigrations(database.url)).toEqual([]);
      expect(await appliedMigrations(database.url)).toEqual(migrationFolders);
    });

    it('are applied once when two processes apply them at the same time', async () => {
      const results = await Promise.all([applyMigrations(database.url), applyMigrations(database.url)]);

      expect(results.flat().sort()).toEqual(migrationFolders);
      expect(await appliedMigrations(database.url)).toEqual(migrationFolders);
    });
  });
});

async function createDatabase(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `tollgate_migrations_test_${process.pid}_${Date.now()}`;
  await query(url, `CREATE DATABASE ${name}`);
  const databaseUrl = new URL(url);
  databaseUrl.pathname = `/${name}`;
  return {
    url: databaseUrl.toString(),
    drop: () => query(url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(() => undefined),
  };
}

async function appliedMigrations(url: string): Promise<string[]> {
  const rows = await query<{ migration_name: string }>(
    url,
    `SELECT migration_name FROM _prisma_migrations
     WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`,
  );
  return rows.map((row) => row.migration_name);
}

async function query<Row extends object = object>(url: string, sql: string): Promise<Row[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(sql)).rows;
  } finally {
    await client.end();
  }
}
