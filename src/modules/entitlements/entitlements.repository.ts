import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';
import { PlanFeature, Prisma, Subscription } from '../../generated/prisma/client';
import { isLive } from './access-policy';

export type SubscriptionWithPlan = Subscription & {
  price: { id: string; plan: { key: string; features: PlanFeature[] } } | null;
};

/** The reads behind an entitlement computation. */
@Injectable()
export class EntitlementsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The subscription that decides access: a live one first, else the most recent. */
  async currentSubscription(userId: string): Promise<SubscriptionWithPlan | null> {
    const subscriptions = await this.prisma.subscription.findMany({
      where: { userId },
      include: { price: { select: { id: true, plan: { select: { key: true, features: true } } } } },
      orderBy: { stripeCreatedAt: 'desc' },
      take: 10,
    });
    return subscriptions.find((subscription) => isLive(subscription.status)) ?? subscriptions[0] ?? null;
  }

  defaultPlanFeatures(): Promise<PlanFeature[]> {
    return this.prisma.planFeature.findMany({ where: { plan: { isDefault: true, active: true } } });
  }

  async creditBalance(userId: string): Promise<number> {
    const row = await this.prisma.creditBalance.findUnique({ where: { userId } });
    return row?.balance ?? 0;
  }

  recordChange(
    userId: string,
    kind: string,
    cause: string,
    details: Prisma.InputJsonValue,
    client: Prisma.TransactionClient = this.prisma,
  ): Promise<unknown> {
    return client.entitlementEvent.create({ data: { userId, kind, cause, details } });
  }

  recentChanges(userId: string, take = 50) {
    return this.prisma.entitlementEvent.findMany({ where: { userId }, orderBy: { createdAt: 'desc' }, take });
  }
}
