import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';
import { Prisma } from '../../generated/prisma/client';

@Injectable()
export class UsageLockRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Runs `work` in a transaction holding a lock named by `key`: work for one key runs one at a time. */
  withLock<T>(key: string, work: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`;
      return work(tx);
    });
  }
}
