import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { randomUUID } from 'node:crypto';
import pg from 'pg';

const PG_CHAR_TYPE = 18;
const PG_TEXT_TYPE = 25;

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
    pool.on('connect', reportCharColumnsAsText);
    const adapter = await new PrismaPg(pool).connect();

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

// The engine's introspection reads catalog columns of type "char" (pg_class.relkind, ...), which
// adapter-pg 7.10 refuses to map. Their values arrive as strings, so declaring them text suffices.
function reportCharColumnsAsText(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  client.query = ((...args: unknown[]) => {
    const callback = args.at(-1);
    if (typeof callback === 'function') {
      args[args.length - 1] = (error: Error | null, result: unknown) =>
        callback(error, error ? result : charColumnsAsText(result));
      return query(...args);
    }
    const result = query(...args);
    return result instanceof Promise ? result.then(charColumnsAsText) : result;
  }) as typeof client.query;
}

function charColumnsAsText(result: unknown): unknown {
  for (const resultSet of Array.isArray(result) ? result : [result]) {
    for (const field of (resultSet as Partial<pg.QueryResult>)?.fields ?? []) {
      if (field.dataTypeID === PG_CHAR_TYPE) field.dataTypeID = PG_TEXT_TYPE;
    }
  }
  return result;
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
