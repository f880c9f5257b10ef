import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomInt } from 'node:crypto';

import { AppConfig } from '../config/app-config';
import { DedicatedConnection } from './dedicated-connection';
import { INSTANCE_LOCK_NAMESPACE } from './instance-lock';

export { INSTANCE_LOCK_NAMESPACE };

/**
 * Each running instance holds an advisory lock named by its id on a connection of its own. The lock
 * vanishes with the process, so others can tell a claim left by a crashed instance (take it over
 * now) from one held by a live instance (leave it), without waiting for a lease to run out.
 */
@Injectable()
export class InstanceLivenessService implements OnApplicationBootstrap, OnModuleDestroy {
  readonly instanceId = randomInt(1, 2 ** 31 - 1);
  private readonly connection: DedicatedConnection;
  /**
   * Session locks this instance holds: PostgreSQL grants a session lock again to the session holding
   * it, so without this a second run here (a timer's next tick while a slow pass runs) would join it.
   */
  private readonly held = new Set<number>();

  constructor(config: AppConfig) {
    this.connection = new DedicatedConnection({
      name: InstanceLivenessService.name,
      connectionString: config.databaseUrl,
      onConnect: async (client) => {
        await client.query('SELECT pg_advisory_lock($1, $2)', [INSTANCE_LOCK_NAMESPACE, this.instanceId]);
      },
    });
  }

  /**
   * Runs `work` while this instance holds the session lock `lockId` on its own connection, so no
   * pooled connection or transaction is held while `work` waits (e.g. on Stripe). False, without
   * running it, when another instance or another run on this one holds the lock, or the connection is down. A lost connection
   * releases the lock: the work is idempotent by design, so two overlapping runs are harmless.
   */
  async withSessionLock(lockId: number, work: () => Promise<void>): Promise<boolean> {
    if (this.held.has(lockId)) return false;
    this.held.add(lockId);
    try {
      const [row] = await this.connection
        .query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [lockId])
        .catch(() => [{ locked: false }]);
      if (!row?.locked) return false;
      try {
        await work();
        return true;
      } finally {
        await this.connection.query('SELECT pg_advisory_unlock($1)', [lockId]).catch(() => undefined);
      }
    } finally {
      this.held.delete(lockId);
    }
  }

  /**
   * How many instances hold their liveness lock on this database (this one included), read on this
   * instance's own connection; fails while it is down.
   */
  async liveInstances(): Promise<number> {
    const [row] = await this.connection.query<{ live: number }>(
      `SELECT count(*)::int AS live FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND classid = $1 AND objsubid = 2
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [INSTANCE_LOCK_NAMESPACE],
    );
    return Math.max(1, row?.live ?? 1);
  }

  onApplicationBootstrap(): Promise<void> {
    return this.connection.open();
  }

  onModuleDestroy(): Promise<void> {
    return this.connection.close();
  }
}
