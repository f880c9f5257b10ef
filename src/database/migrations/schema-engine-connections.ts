import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { randomUUID } from 'node:crypto';
import pg from 'pg';

import { declareCharColumnsAsText, restoreCharColumns } from './char-columns';

/**
 * The connections the schema engine opens through @prisma/adapter-pg: to the database itself and to
 * throw-away shadow databases on the same server. close() releases whatever the engine left open.
 */
export class SchemaEngineConnections implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres';
  readonly adapterName = '@prisma/adapter-pg';
  private readonly releases = new Set<() => Promise<void>>();

  constructor(private readonly databaseUrl: string) {}

  connect(): Promise<SqlDriverAdapter> {
    return this.open(this.databaseUrl);
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const name = `prisma_migrate_shadow_db_${randomUUID().replaceAll('-', '')}`;
    await runStatement(this.databaseUrl, `CREATE DATABASE "${name}"`);
    const shadowUrl = new URL(this.databaseUrl);
    shadowUrl.pathname = `/${name}`;
    return this.open(shadowUrl.toString(), () =>
      runStatement(this.databaseUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.releases].map((release) => release()));
  }

  private async open(url: string, afterRelease?: () => Promise<void>): Promise<SqlDriverAdapter> {
    const pool = new pg.Pool({ connectionString: url });
    pool.on('connect', declareCharColumnsAsText);
    const adapter = await new PrismaPg(pool).connect();
    const queryRaw = adapter.queryRaw.bind(adapter);
    adapter.queryRaw = async (query) => restoreCharColumns(await queryRaw(query));

    let releasing: Promise<void> | undefined;
    const release = () =>
      (releasing ??= (async () => {
        this.releases.delete(release);
        await pool.end();
        await afterRelease?.();
      })());
    this.releases.add(release);

    // adapter-pg splits scripts at every ';' (breaking function bodies and string literals) and runs
    // the pieces one by one. A query without parameters goes over the simple protocol, which runs
    // the whole script at once in an implicit transaction, as the native `prisma migrate` does.
    adapter.executeScript = async (script) => {
      await adapter.executeRaw({ sql: script, args: [], argTypes: [] });
    };
    adapter.dispose = release;
    return adapter;
  }
}

async function runStatement(databaseUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
