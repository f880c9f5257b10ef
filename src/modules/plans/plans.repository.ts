import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';
import { Plan, PlanFeature, Prisma, Price, PriceInterval, QuotaPeriod } from '../../generated/prisma/client';
import { PlanWithCatalog } from './plan.types';

const WITH_CATALOG = {
  features: { orderBy: { key: 'asc' } },
  prices: { orderBy: { createdAt: 'asc' } },
} satisfies Prisma.PlanInclude;

export interface NewFeature {
  key: string;
  limit: number | null;
  period?: QuotaPeriod;
  /** A metered price, and the event name of its meter (what overage is reported with). */
  overagePriceId?: string | null;
  overageEventName?: string | null;
}

export interface NewPrice {
  stripePriceId: string | null;
  interval: PriceInterval;
  amount: number;
  currency: string;
  credits: number | null;
  creditsExpireAfterDays: number | null;
  perSeat: boolean;
  active?: boolean;
}

@Injectable()
export class PlansRepository {
  constructor(private readonly prisma: PrismaService) {}

  listActive(): Promise<PlanWithCatalog[]> {
    return this.prisma.plan.findMany({
      where: { active: true },
      include: {
        features: { orderBy: { key: 'asc' } },
        prices: { where: { active: true }, orderBy: { createdAt: 'asc' } },
      },
      orderBy: [{ isDefault: 'desc' }, { createdAt: 'asc' }],
    });
  }

  listAll(): Promise<PlanWithCatalog[]> {
    return this.prisma.plan.findMany({ include: WITH_CATALOG, orderBy: { createdAt: 'asc' } });
  }

  findByKey(key: string): Promise<PlanWithCatalog | null> {
    return this.prisma.plan.findUnique({ where: { key }, include: WITH_CATALOG });
  }

  findByStripeProductId(stripeProductId: string): Promise<PlanWithCatalog | null> {
    return this.prisma.plan.findUnique({ where: { stripeProductId }, include: WITH_CATALOG });
  }

  featuresOf(planId: string): Promise<PlanFeature[]> {
    return this.prisma.planFeature.findMany({ where: { planId }, orderBy: { key: 'asc' } });
  }

  findPrice(id: string): Promise<Price | null> {
    return this.prisma.price.findUnique({ where: { id } });
  }

  findPriceById(id: string): Promise<(Price & { plan: Plan }) | null> {
    return this.prisma.price.findUnique({ where: { id }, include: { plan: true } });
  }

  findPriceByStripeId(stripePriceId: string): Promise<Price | null> {
    return this.prisma.price.findUnique({ where: { stripePriceId } });
  }

  async create(
    plan: {
      key: string;
      name: string;
      description: string | null;
      trialDays: number;
      trialWithoutCard: boolean;
      stripeProductId: string | null;
    },
    features: NewFeature[],
    prices: NewPrice[],
  ): Promise<PlanWithCatalog> {
    return this.prisma.plan.create({
      data: { ...plan, features: { create: features }, prices: { create: prices } },
      include: WITH_CATALOG,
    });
  }

  async update(
    planId: string,
    changes: Partial<
      Pick<Plan, 'name' | 'description' | 'trialDays' | 'trialWithoutCard' | 'active' | 'stripeProductId'>
    >,
    features?: NewFeature[],
  ): Promise<PlanWithCatalog> {
    return this.prisma.$transaction(async (tx) => {
      if (features) {
        await tx.planFeature.deleteMany({ where: { planId } });
        await tx.planFeature.createMany({ data: features.map((feature) => ({ ...feature, planId })) });
      }
      return tx.plan.update({ where: { id: planId }, data: changes, include: WITH_CATALOG });
    });
  }

  /** Adds a price and archives the ones it replaces, in one transaction. */
  async addPrice(planId: string, price: NewPrice, replacing: string[]): Promise<Price> {
    return this.prisma.$transaction(async (tx) => {
      if (replacing.length > 0) {
        await tx.price.updateMany({ where: { id: { in: replacing } }, data: { active: false } });
      }
      return tx.price.create({ data: { ...price, planId } });
    });
  }

  setPriceActive(priceId: string, active: boolean): Promise<Price> {
    return this.prisma.price.update({ where: { id: priceId }, data: { active } });
  }

  updatePrice(
    priceId: string,
    changes: Partial<Pick<Price, 'active' | 'amount' | 'currency'>>,
  ): Promise<Price> {
    return this.prisma.price.update({ where: { id: priceId }, data: changes });
  }
}
