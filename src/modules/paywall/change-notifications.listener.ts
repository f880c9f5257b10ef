import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';

import { AppConfig } from '../../config/app-config';
import { DedicatedConnection } from '../../database/dedicated-connection';
import {
  CATALOG_CHANNEL,
  ENTITLEMENTS_CHANNEL,
  EntitlementChangesService,
} from '../entitlements/entitlement-changes.service';
import { EntitlementsCache } from './entitlements-cache.service';
import { PaywallCatalog } from './paywall-catalog.service';

/**
 * Listens on PostgreSQL for changes any instance made, and drops what they make stale. While the
 * connection is down nothing is heard, so everything cached is dropped when it is lost and again
 * when it is back.
 */
@Injectable()
export class ChangeNotificationsListener implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly connection: DedicatedConnection;

  constructor(
    config: AppConfig,
    private readonly cache: EntitlementsCache,
    private readonly catalog: PaywallCatalog,
    changes: EntitlementChangesService,
  ) {
    changes.onLocalChange((userId) => this.cache.invalidate(userId));
    changes.onLocalCatalogChange(() => this.dropAll());
    this.connection = new DedicatedConnection({
      name: ChangeNotificationsListener.name,
      connectionString: config.databaseUrl,
      onConnect: async (client) => {
        client.on('notification', (message) => {
          if (message.channel === ENTITLEMENTS_CHANNEL && message.payload)
            this.cache.invalidate(message.payload);
          if (message.channel === CATALOG_CHANNEL) this.dropAll();
        });
        await client.query(`LISTEN ${ENTITLEMENTS_CHANNEL}; LISTEN ${CATALOG_CHANNEL}`);
        this.dropAll();
      },
      onLost: () => this.dropAll(),
    });
  }

  onApplicationBootstrap(): Promise<void> {
    return this.connection.open();
  }

  onModuleDestroy(): Promise<void> {
    return this.connection.close();
  }

  private dropAll(): void {
    this.cache.invalidateAll();
    this.catalog.invalidate();
  }
}
