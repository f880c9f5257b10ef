import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';
import { Prisma } from '../../generated/prisma/client';

export const DUPLICATE_CANCELED = 'duplicate_subscription_canceled';

/** What settling a duplicate subscription reads besides Stripe: who to tell, and whether it was told. */
@Injectable()
export class DuplicateSubscriptionsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The account's name and its owners who can be mailed (not erased). */
  async ownersOf(accountId: string, client: Prisma.TransactionClient = this.prisma) {
    const account = await client.account.findUnique({
      where: { id: accountId },
      select: {
        name: true,
        memberships: {
          where: { role: 'owner', user: { deletedAt: null } },
          orderBy: { joinedAt: 'asc' },
          select: { user: { select: { id: true, email: true, name: true } } },
        },
      },
    });
    return {
      accountName: account?.name ?? '',
      owners: account?.memberships.map((membership) => membership.user) ?? [],
    };
  }

  /** Whether the account's billing events record this subscription as a canceled duplicate already. */
  async wasRecorded(
    accountId: string,
    stripeSubscriptionId: string,
    client: Prisma.TransactionClient,
  ): Promise<boolean> {
    const event = await client.entitlementEvent.findFirst({
      where: {
        accountId,
        kind: DUPLICATE_CANCELED,
        details: { path: ['stripeSubscriptionId'], equals: stripeSubscriptionId },
      },
      select: { id: true },
    });
    return event !== null;
  }
}
