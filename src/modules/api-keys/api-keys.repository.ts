import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';
import { ApiKey, Prisma, User } from '../../generated/prisma/client';

@Injectable()
export class ApiKeysRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(data: { userId: string; name: string; prefix: string; keyHash: string }): Promise<ApiKey> {
    return this.prisma.apiKey.create({ data });
  }

  listActive(userId: string): Promise<ApiKey[]> {
    return this.prisma.apiKey.findMany({
      where: { userId, revokedAt: null },
      orderBy: { createdAt: 'desc' },
    });
  }

  findActiveByHash(keyHash: string): Promise<(ApiKey & { user: User }) | null> {
    return this.prisma.apiKey.findFirst({ where: { keyHash, revokedAt: null }, include: { user: true } });
  }

  async revoke(userId: string, id: string): Promise<boolean> {
    const { count } = await this.prisma.apiKey.updateMany({
      where: { id, userId, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    return count === 1;
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
