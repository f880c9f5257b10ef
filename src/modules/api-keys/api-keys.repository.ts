import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';
import { ApiKey, Prisma, User } from '../../generated/prisma/client';

export interface NewApiKey {
  userId: string;
  name: string;
  prefix: string;
  keyHash: string;
  scopes: string[];
  expiresAt: Date | null;
}

/** Runs within the transaction that makes the change, so both commit or neither does. */
export type InSameTransaction<T> = (changed: T, tx: Prisma.TransactionClient) => Promise<void>;

/** Not revoked and not expired. */
function liveAt(now: Date) {
  return { revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] };
}

@Injectable()
export class ApiKeysRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Creates the key in `tx` unless the user has `cap` live ones already (null then). Creates for one
   * user queue on a lock held until `tx` ends, so concurrent ones cannot pass the cap.
   */
  async createWithinCap(key: NewApiKey, cap: number, tx: Prisma.TransactionClient): Promise<ApiKey | null> {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`api-keys:${key.userId}`}, 0))`;
    const live = await tx.apiKey.count({ where: { userId: key.userId, ...liveAt(new Date()) } });
    return live >= cap ? null : tx.apiKey.create({ data: key });
  }

  listActive(userId: string): Promise<ApiKey[]> {
    return this.prisma.apiKey.findMany({
      where: { userId, ...liveAt(new Date()) },
      orderBy: { createdAt: 'desc' },
    });
  }

  findActiveByHash(keyHash: string): Promise<(ApiKey & { user: User }) | null> {
    return this.prisma.apiKey.findFirst({
      where: { keyHash, ...liveAt(new Date()) },
      include: { user: true },
    });
  }

  /** False when the user has no such active key. */
  revoke(userId: string, id: string, then: InSameTransaction<string>): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const { count } = await tx.apiKey.updateMany({
        where: { id, userId, revokedAt: null },
        data: { revokedAt: new Date() },
      });
      if (count === 1) await then(id, tx);
      return count === 1;
    });
  }

  /** Revokes every active key of the user; answers how many. */
  async revokeAllOf(userId: string, tx: Prisma.TransactionClient = this.prisma): Promise<number> {
    const { count } = await tx.apiKey.updateMany({
      where: { userId, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    return count;
  }

  async touch(id: string, staleBefore: Date): Promise<void> {
    await this.prisma.apiKey.updateMany({
      where: { id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: staleBefore } }] },
      data: { lastUsedAt: new Date() },
    });
  }
}
