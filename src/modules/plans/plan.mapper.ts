import { PlanDto, PriceDto } from './plan.dto';
import { PlanWithCatalog } from './plan.types';
import { Price } from '../../generated/prisma/client';

export function toPriceDto(price: Price): PriceDto {
  return {
    id: price.id,
    stripePriceId: price.stripePriceId,
    interval: price.interval,
    amount: price.amount,
    currency: price.currency,
    credits: price.credits,
    creditsExpireAfterDays: price.creditsExpireAfterDays,
    perSeat: price.perSeat,
    active: price.active,
  };
}

export function toPlanDto(plan: PlanWithCatalog): PlanDto {
  return {
    key: plan.key,
    name: plan.name,
    description: plan.description,
    trialDays: plan.trialDays,
    trialWithoutCard: plan.trialWithoutCard,
    active: plan.active,
    isDefault: plan.isDefault,
    stripeProductId: plan.stripeProductId,
    features: plan.features.map((feature) => ({
      key: feature.key,
      limit: feature.limit,
      ...(feature.period ? { period: feature.period } : {}),
      ...(feature.overagePriceId ? { overagePriceId: feature.overagePriceId } : {}),
    })),
    prices: plan.prices.map(toPriceDto),
  };
}
