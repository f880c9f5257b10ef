import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomInt } from 'node:crypto';
import { Client } from 'pg';

import { AppConfig } from '../config/app-config';

/** The advisory-lock namespace of instance ids ('tg'). */
export const INSTANCE_LOCK_NAMESPACE = 0x7467;
const RECONNECT_DELAY_MS = 1_000;

/**
 * Each running instance holds an advisory lock named by its id on a connection of its own. The lock
 * vanishes with the process, so others can tell a claim left by a crashed instance (take it over
 * now) from one held by a live instance (leave it), without waiting for a lease to run out.
 */
@Injectable()
export class InstanceLivenessService implements OnApplicationBootstrap, OnModuleDestroy {
  readonly instanceId = randomInt(1, 2 ** 31 - 1);
  private readonly logger = new Logger(InstanceLivenessService.name);
  private client?: Client;
  private stopped = false;
  private retry?: NodeJS.Timeout;

  constructor(private readonly config: AppConfig) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.hold();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
  }

  private async hold(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ connectionString: this.config.databaseUrl, connectionTimeoutMillis: 2_000 });
    const lost = (error?: Error) => {
      if (this.client !== client && this.client !== undefined) return;
      this.client = undefined;
      client.end().catch(() => undefined);
      if (this.stopped || this.retry) return;
      this.logger.warn({ msg: 'instance lock connection lost; reconnecting', reason: error?.message });
      this.retry = setTimeout(() => {
        this.retry = undefined;
        void this.hold();
      }, RECONNECT_DELAY_MS);
      this.retry.unref();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      await client.query('SELECT pg_advisory_lock($1, $2)', [INSTANCE_LOCK_NAMESPACE, this.instanceId]);
      this.client = client;
    } catch (error) {
      lost(error as Error);
    }
  }
}
