import { Injectable, Logger } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';

export const ENTITLEMENTS_CHANNEL = 'entitlements_changed';
export const CATALOG_CHANNEL = 'catalog_changed';

/** Tells every instance (through PostgreSQL NOTIFY) that a user's entitlements, or the catalog, changed. */
@Injectable()
export class EntitlementChangesService {
  private readonly logger = new Logger(EntitlementChangesService.name);
  private readonly userListeners = new Set<(userId: string) => void>();
  private readonly catalogListeners = new Set<() => void>();

  constructor(private readonly prisma: PrismaService) {}

  async publish(userId: string): Promise<void> {
    this.publishLocally(userId);
    await this.notify(ENTITLEMENTS_CHANNEL, userId);
  }

  /** For changes whose own statement sent the NOTIFY (on ENTITLEMENTS_CHANNEL, the user id as payload). */
  publishLocally(userId: string): void {
    for (const listener of this.userListeners) listener(userId);
  }

  async publishCatalogChange(): Promise<void> {
    for (const listener of this.catalogListeners) listener();
    await this.notify(CATALOG_CHANNEL, '');
  }

  onLocalChange(listener: (userId: string) => void): void {
    this.userListeners.add(listener);
  }

  onLocalCatalogChange(listener: () => void): void {
    this.catalogListeners.add(listener);
  }

  private async notify(channel: string, payload: string): Promise<void> {
    try {
      await this.prisma.$executeRaw`SELECT pg_notify(${channel}, ${payload})`;
    } catch (error) {
      this.logger.warn({
        msg: 'could not notify other instances',
        channel,
        reason: (error as Error).message,
      });
    }
  }
}
