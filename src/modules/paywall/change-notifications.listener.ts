import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Client } from 'pg';

import { AppConfig } from '../../config/app-config';
import {
  CATALOG_CHANNEL,
  ENTITLEMENTS_CHANNEL,
  EntitlementChangesService,
} from '../entitlements/entitlement-changes.service';
import { EntitlementsCache } from './entitlements-cache.service';
import { PaywallCatalog } from './paywall-catalog.service';

const RECONNECT_DELAY_MS = 1_000;

/**
 * Listens on PostgreSQL for changes any instance made, and drops what they make stale. While the
 * connection is down nothing is heard, so everything cached is dropped when it comes back.
 */
@Injectable()
export class ChangeNotificationsListener implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ChangeNotificationsListener.name);
  private client?: Client;
  private stopped = false;
  private reconnectTimer?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly cache: EntitlementsCache,
    private readonly catalog: PaywallCatalog,
    changes: EntitlementChangesService,
  ) {
    changes.onLocalChange((userId) => this.cache.invalidate(userId));
    changes.onLocalCatalogChange(() => this.dropAll());
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.connect();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    await this.client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ connectionString: this.config.databaseUrl, connectionTimeoutMillis: 2_000 });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => {
      if (message.channel === ENTITLEMENTS_CHANNEL && message.payload) this.cache.invalidate(message.payload);
      if (message.channel === CATALOG_CHANNEL) this.dropAll();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${ENTITLEMENTS_CHANNEL}; LISTEN ${CATALOG_CHANNEL}`);
      this.client = client;
      this.dropAll();
    } catch (error) {
      this.lost(client, error as Error);
    }
  }

  private lost(client: Client, error?: Error): void {
    if (this.stopped || (this.client && this.client !== client)) return;
    this.client = undefined;
    this.dropAll();
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    if (this.reconnectTimer) return;
    this.logger.warn({ msg: 'change notifications lost; reconnecting', reason: error?.message });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, RECONNECT_DELAY_MS);
    this.reconnectTimer.unref();
  }

  private dropAll(): void {
    this.cache.invalidateAll();
    this.catalog.invalidate();
  }
}
