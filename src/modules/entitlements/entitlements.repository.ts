import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';
import { PlanFeature, Prisma, Subscription } from '../../generated/prisma/client';
import { accountSubscription } from './account-subscription';

export type SubscriptionWithPlan = Subscription & {
  price: { id: string; perSeat: boolean; plan: { key: string; features: PlanFeature[] } } | null;
};

/** The reads behind an entitlement computation. */
@Injectable()
export class EntitlementsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The subscription that decides access (`accountSubscription`): an established one first, the oldest. */
  async currentSubscription(accountId: string): Promise<SubscriptionWithPlan | null> {
    const subscriptions = await this.prisma.subscription.findMany({
      where: { accountId },
      include: {
        price: { select: { id: true, perSeat: true, plan: { select: { key: true, features: true } } } },
      },
      orderBy: [{ stripeCreatedAt: 'desc' }, { stripeSubscriptionId: 'desc' }],
      take: 10,
    });
    return accountSubscription(subscriptions);
  }

  async accountName(accountId: string): Promise<string | null> {
    const account = await this.prisma.account.findUnique({
      where: { id: accountId },
      select: { name: true },
    });
    return account?.name ?? null;
  }

  defaultPlanFeatures(): Promise<PlanFeature[]> {
    return this.prisma.planFeature.findMany({ where: { plan: { isDefault: true, active: true } } });
  }

  async creditBalance(accountId: string): Promise<number> {
    const row = await this.prisma.creditBalance.findUnique({ where: { accountId } });
    return row?.balance ?? 0;
  }

  recordChange(
    accountId: string,
    kind: string,
    cause: string,
    details: Prisma.InputJsonValue,
    client: Prisma.TransactionClient = this.prisma,
  ): Promise<unknown> {
    return client.entitlementEvent.create({ data: { accountId, kind, cause, details } });
  }

  recentChanges(accountId: string, take = 50) {
    return this.prisma.entitlementEvent.findMany({
      where: { accountId },
      orderBy: { createdAt: 'desc' },
      take,
    });
  }
}
