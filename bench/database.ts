import { Client, QueryResultRow } from 'pg';

/** One query on a connection of its own (the bench's look at the database, beside the service's pool). */
export async function query<T extends QueryResultRow>(databaseUrl: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}
