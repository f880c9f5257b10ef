import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';
import { Prisma } from '../../generated/prisma/client';

export interface BillingRecipient {
  userId: string;
  email: string;
  name: string | null;
}

export interface BillingAudience {
  accountName: string;
  recipients: BillingRecipient[];
}

/** Who hears about an account's billing: its owners and admins (not disabled or erased). */
@Injectable()
export class BillingRecipientsRepository {
  constructor(private readonly prisma: PrismaService) {}

  async audienceOf(
    accountId: string,
    client: Prisma.TransactionClient = this.prisma,
  ): Promise<BillingAudience | null> {
    const account = await client.account.findUnique({
      where: { id: accountId },
      select: {
        name: true,
        memberships: {
          where: { role: { in: ['owner', 'admin'] }, user: { disabledAt: null, deletedAt: null } },
          orderBy: { joinedAt: 'asc' },
          select: { user: { select: { id: true, email: true, name: true } } },
        },
      },
    });
    if (!account) return null;
    return {
      accountName: account.name,
      recipients: account.memberships.map(({ user }) => ({
        userId: user.id,
        email: user.email,
        name: user.name,
      })),
    };
  }
}
