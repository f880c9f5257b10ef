import { Injectable, Logger } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';

export const ENTITLEMENTS_CHANNEL = 'entitlements_changed';

/** Tells every instance (through PostgreSQL NOTIFY) that a user's entitlements changed. */
@Injectable()
export class EntitlementChangesService {
  private readonly logger = new Logger(EntitlementChangesService.name);
  private readonly localListeners = new Set<(userId: string) => void>();

  constructor(private readonly prisma: PrismaService) {}

  async publish(userId: string): Promise<void> {
    for (const listener of this.localListeners) listener(userId);
    try {
      await this.prisma.$executeRaw`SELECT pg_notify(${ENTITLEMENTS_CHANNEL}, ${userId})`;
    } catch (error) {
      this.logger.warn({ msg: 'could not notify other instances', userId, reason: (error as Error).message });
    }
  }

  onLocalChange(listener: (userId: string) => void): void {
    this.localListeners.add(listener);
  }
}
