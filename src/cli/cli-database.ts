import { DEFAULT_EMBEDDED_DATABASE_PORT, startEmbeddedDatabase } from '../database/embedded-database';

/**
 * Runs `work` against DATABASE_URL or, without it, against the embedded PostgreSQL the app uses
 * (DATA_DIR, EMBEDDED_DATABASE_PORT), started for the occasion and stopped afterwards.
 */
export async function withDatabase<T>(work: (databaseUrl: string) => Promise<T>): Promise<T> {
  const { DATABASE_URL, DATA_DIR, EMBEDDED_DATABASE_PORT } = process.env;
  if (DATABASE_URL) return work(DATABASE_URL);

  const database = await startEmbeddedDatabase({
    dataDir: DATA_DIR || '.data',
    port: EMBEDDED_DATABASE_PORT ? parsePort(EMBEDDED_DATABASE_PORT) : DEFAULT_EMBEDDED_DATABASE_PORT,
  });
  try {
    return await work(database.url);
  } finally {
    await database.stop();
  }
}

export function runCli(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`EMBEDDED_DATABASE_PORT must be a port number, got "${value}"`);
  }
  return port;
}
