/**
 * The database routes' yardsticks: bare Fastify with a `pg` pool (10 connections, as the service's) and
 * named prepared statements, running the SQL our routes run, for the same accounts, without auth or
 * framework. Configured by PG_YARDSTICK (JSON: PgYardstickConfig); prints one JSON line with its URL.
 */
import Fastify from 'fastify';
import { Pool } from 'pg';

import { PROFILE } from '../src/modules/account/profile.sql';
import { LIVE_KEYS } from '../src/modules/api-keys/live-keys.sql';
import { CREATE_PROJECT } from '../src/modules/projects/create-project.sql';

export interface PgYardstickConfig {
  databaseUrl: string;
  /** Whose keys GET /api-keys lists. */
  apiKeysUserId: string;
  /** The account POST /projects creates in. */
  projectsAccountId: string;
  /** The caller of GET /me, the account it acts for, and that account's quotas with their period ends. */
  me: { userId: string; accountId: string; quotas: { feature: string; periodEnd: string }[] };
}

const HOST = '127.0.0.1';

async function main(): Promise<void> {
  const config = JSON.parse(process.env.PG_YARDSTICK ?? '') as PgYardstickConfig;
  const pool = new Pool({ connectionString: config.databaseUrl, max: 10 });
  const app = Fastify();
  app.get('/api-keys', async () => {
    const { rows } = await pool.query({ name: 'keys', text: LIVE_KEYS, values: [config.apiKeysUserId] });
    return { data: rows };
  });
  app.post<{ Body: { name: string } }>('/projects', async (request, reply) => {
    const { rows } = await pool.query({
      name: 'project',
      text: CREATE_PROJECT,
      values: [config.projectsAccountId, request.body.name],
    });
    return reply.code(201).send(rows[0]);
  });
  const { me } = config;
  const quotaFeatures = me.quotas.map((quota) => quota.feature);
  const quotaEnds = me.quotas.map((quota) => quota.periodEnd);
  app.get('/me', async () => {
    const { rows } = await pool.query({
      name: 'profile',
      text: PROFILE,
      values: [me.userId, me.accountId, quotaFeatures, quotaEnds],
    });
    return rows[0];
  });
  const url = await app.listen({ port: 0, host: HOST });
  process.stdout.write(`${JSON.stringify({ url })}\n`);
}

void main().catch((error: unknown) => {
  process.stderr.write(`pg yardstick failed: ${String(error)}\n`);
  process.exit(1);
});
