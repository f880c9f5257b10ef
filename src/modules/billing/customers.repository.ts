import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';

export interface CustomerAccount {
  id: string;
  /** Set for a personal account: what Checkout Sessions created before teams name. */
  personalUserId: string | null;
}

/** The link from an account to its Stripe customer (kept on the account's row). */
@Injectable()
export class CustomersRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The account's name and customer, and the address Stripe mails: its first owner's. */
  async billingContact(accountId: string) {
    const account = await this.prisma.account.findUnique({
      where: { id: accountId },
      select: {
        name: true,
        stripeCustomerId: true,
        memberships: {
          where: { role: 'owner' },
          orderBy: { joinedAt: 'asc' },
          take: 1,
          select: { user: { select: { email: true } } },
        },
      },
    });
    if (!account) return null;
    return {
      name: account.name,
      stripeCustomerId: account.stripeCustomerId,
      email: account.memberships[0]?.user.email ?? null,
    };
  }

  /** Stores the customer unless the account has one already (a concurrent first checkout stored it). */
  async link(accountId: string, stripeCustomerId: string): Promise<void> {
    await this.prisma.account.updateMany({
      where: { id: accountId, stripeCustomerId: null },
      data: { stripeCustomerId },
    });
  }

  async customerOf(accountId: string): Promise<string | null> {
    const account = await this.prisma.account.findUnique({
      where: { id: accountId },
      select: { stripeCustomerId: true },
    });
    return account?.stripeCustomerId ?? null;
  }

  accountOf(stripeCustomerId: string): Promise<CustomerAccount | null> {
    return this.prisma.account.findUnique({
      where: { stripeCustomerId },
      select: { id: true, personalUserId: true },
    });
  }
}
