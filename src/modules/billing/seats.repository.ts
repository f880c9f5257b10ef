import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';
import { LIVE_STATUSES } from '../entitlements/access-policy';

/** What seats are counted from: an account's members, and the per-seat subscriptions that disagree. */
@Injectable()
export class SeatsRepository {
  constructor(private readonly prisma: PrismaService) {}

  memberCount(accountId: string): Promise<number> {
    return this.prisma.membership.count({ where: { accountId } });
  }

  /** Accounts with a live per-seat subscription whose quantity is not their member count. */
  async accountsOutOfStep(take: number): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<{ accountId: string }[]>`
      SELECT DISTINCT s.account_id AS "accountId"
        FROM subscriptions s JOIN prices p ON p.id = s.price_id
       WHERE p.per_seat AND s.status = ANY(${[...LIVE_STATUSES]}::text[])
         AND s.quantity <> (SELECT count(*) FROM memberships m WHERE m.account_id = s.account_id)
       LIMIT ${take}`;
    return rows.map((row) => row.accountId);
  }
}
