import pg from 'pg';

const LOCK_NOT_AVAILABLE = '55P03';

/**
 * Runs `work` while holding a PostgreSQL advisory lock, taken on a connection of its own and released
 * by closing it.
 */
export async function withAdvisoryLock<T>(
  databaseUrl: string,
  lock: { id: number; timeoutMs: number; purpose: string },
  work: () => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(`SET lock_timeout = ${Math.max(0, Math.round(lock.timeoutMs))}`);
    await client.query('SELECT pg_advisory_lock($1)', [lock.id]).catch((error: pg.DatabaseError) => {
      if (error.code !== LOCK_NOT_AVAILABLE) throw error;
      throw new Error(`Gave up after ${lock.timeoutMs} ms waiting for another process ${lock.purpose}`);
    });
    return await work();
  } finally {
    await client.end().catch(() => undefined);
  }
}
