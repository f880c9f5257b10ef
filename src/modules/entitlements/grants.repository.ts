import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';
import { Grant, Prisma } from '../../generated/prisma/client';

export interface NewGrant {
  accountId: string;
  feature: string;
  limit: number | null;
  expiresAt: Date | null;
  createdBy: string;
}

@Injectable()
export class GrantsRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(grant: NewGrant, tx: Prisma.TransactionClient): Promise<Grant> {
    return tx.grant.create({ data: grant });
  }

  /** Revokes an active grant; false when there is none with that id for the user. */
  async revoke(accountId: string, grantId: string, tx: Prisma.TransactionClient): Promise<boolean> {
    const { count } = await tx.grant.updateMany({
      where: { id: grantId, accountId, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    return count === 1;
  }

  active(accountId: string, now: Date): Promise<Grant[]> {
    return this.prisma.grant.findMany({
      where: { accountId, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
    });
  }
}
