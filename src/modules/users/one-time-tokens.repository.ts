import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';
import { OneTimeTokenPurpose, Prisma } from '../../generated/prisma/client';

export interface NewOneTimeToken {
  tokenHash: string;
  userId: string;
  purpose: OneTimeTokenPurpose;
  email: string;
  expiresAt: Date;
}

@Injectable()
export class OneTimeTokensRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(token: NewOneTimeToken, tx: Prisma.TransactionClient = this.prisma): Promise<void> {
    await tx.oneTimeToken.create({ data: token });
  }

  /**
   * Marks the token used if it is unused and unexpired: one statement, so one token serves one request
   * even when sent twice at once. What it was for, or null.
   */
  async consume(
    tokenHash: string,
    purpose: OneTimeTokenPurpose,
    tx: Prisma.TransactionClient,
  ): Promise<{ userId: string; email: string } | null> {
    const rows = await tx.$queryRaw<{ user_id: string; email: string }[]>`
      UPDATE one_time_tokens SET used_at = now()
       WHERE token_hash = ${tokenHash} AND purpose = ${purpose}::"OneTimeTokenPurpose"
         AND used_at IS NULL AND expires_at > now()
      RETURNING user_id, email`;
    const row = rows[0];
    return row ? { userId: row.user_id, email: row.email } : null;
  }

  /** Ends the user's other unused tokens of a purpose (a newer one replaces them), and forgets old ones. */
  async retire(userId: string, purpose: OneTimeTokenPurpose, tx: Prisma.TransactionClient): Promise<void> {
    await tx.oneTimeToken.updateMany({
      where: { userId, purpose, usedAt: null },
      data: { usedAt: new Date() },
    });
    await tx.oneTimeToken.deleteMany({ where: { userId, expiresAt: { lt: new Date() } } });
  }
}
