import { Injectable } from '@nestjs/common';

import { DomainError, FieldError } from '../../common/errors/domain-error';
import { Plan, Price } from '../../generated/prisma/client';
import { ChangeFeed } from '../change-feed/change-feed.service';
import { toPlanDto, toPriceDto } from './plan.mapper';
import { CreatePlanDto, CreatePriceDto, FeatureDto, PlanDto, PriceDto, UpdatePlanDto } from './plan.dto';
import { PlanWithCatalog } from './plan.types';
import { NewFeature, NewPrice, PlansRepository } from './plans.repository';
import { PriceFields, StripeCatalogService } from './stripe-catalog.service';

@Injectable()
export class PlansService {
  constructor(
    private readonly plans: PlansRepository,
    private readonly stripeCatalog: StripeCatalogService,
    private readonly changes: ChangeFeed,
  ) {}

  /** Active plans with their features and prices, as stored (for the paywall's offers). */
  listActiveWithCatalog(): Promise<PlanWithCatalog[]> {
    return this.plans.listActive();
  }

  findPrice(id: string): Promise<Price | null> {
    return this.plans.findPrice(id);
  }

  findPriceWithPlan(id: string): Promise<(Price & { plan: Plan }) | null> {
    return this.plans.findPriceById(id);
  }

  findPriceByStripeId(stripePriceId: string): Promise<Price | null> {
    return this.plans.findPriceByStripeId(stripePriceId);
  }

  async listPublic(): Promise<PlanDto[]> {
    return (await this.plans.listActive()).map(toPlanDto);
  }

  async listAll(): Promise<PlanDto[]> {
    return (await this.plans.listAll()).map(toPlanDto);
  }

  /** The plan with its features and every price (archived ones too), or null. */
  findByKey(key: string): Promise<PlanWithCatalog | null> {
    return this.plans.findByKey(key);
  }

  async get(key: string): Promise<PlanDto> {
    return toPlanDto(await this.requirePlan(key));
  }

  async create(input: CreatePlanDto): Promise<PlanDto> {
    if (await this.plans.findByKey(input.key)) {
      throw new DomainError('plan_exists', `A plan with key "${input.key}" already exists.`);
    }
    assertTrialWithoutCardHasDays(input.trialDays ?? 0, input.trialWithoutCard ?? false);
    const description = input.description ?? null;
    const features = await this.withOverageMeters(input.features, false);
    const product = await this.stripeCatalog.createProduct(input.key, { name: input.name, description });
    const prices: NewPrice[] = [];
    for (const price of input.prices ?? []) {
      const fields = toPriceFields(price);
      const earlierAlike = countAlike(fields, prices);
      const stripePrice = await this.stripeCatalog.createPrice(input.key, product.id, fields, earlierAlike);
      prices.push({ ...fields, stripePriceId: stripePrice.id });
    }
    const plan = await this.plans.create(
      {
        key: input.key,
        name: input.name,
        description,
        trialDays: input.trialDays ?? 0,
        trialWithoutCard: input.trialWithoutCard ?? false,
        stripeProductId: product.id,
      },
      features,
      prices,
    );
    await this.changes.publish({ kind: 'catalog' });
    return toPlanDto(plan);
  }

  async update(key: string, input: UpdatePlanDto): Promise<PlanDto> {
    const plan = await this.requirePlan(key);
    assertTrialWithoutCardHasDays(
      input.trialDays ?? plan.trialDays,
      input.trialWithoutCard ?? plan.trialWithoutCard,
    );
    const features = input.features && (await this.withOverageMeters(input.features, plan.isDefault));
    const productChanges = {
      ...(input.name !== undefined && input.name !== plan.name ? { name: input.name } : {}),
      ...(input.description !== undefined && input.description !== plan.description
        ? { description: input.description === '' ? '' : input.description }
        : {}),
      ...(input.active !== undefined && input.active !== plan.active ? { active: input.active } : {}),
    };
    if (plan.stripeProductId && Object.keys(productChanges).length > 0) {
      await this.stripeCatalog.updateProduct(plan.stripeProductId, productChanges);
    }
    const updated = await this.plans.update(
      plan.id,
      {
        name: input.name,
        description: input.description === '' ? null : input.description,
        trialDays: input.trialDays,
        trialWithoutCard: input.trialWithoutCard,
        active: input.active,
      },
      features,
    );
    await this.changes.publish({ kind: 'catalog' });
    return toPlanDto(updated);
  }

  async archive(key: string): Promise<PlanDto> {
    const plan = await this.requirePlan(key);
    if (plan.isDefault) throw new DomainError('conflict', 'The default plan cannot be archived.');
    return this.update(key, { active: false });
  }

  /** Prices are immutable at Stripe: a new amount is a new price, and the one it replaces is archived. */
  async addPrice(key: string, input: CreatePriceDto): Promise<PriceDto> {
    const plan = await this.requirePlan(key);
    if (plan.isDefault) throw new DomainError('conflict', 'The default plan is free and has no prices.');
    const fields = toPriceFields(input);
    const replaced = plan.prices.filter((price) => price.active && replaces(fields, price));
    if (replaced.some((price) => price.amount === fields.amount)) {
      throw new DomainError('conflict', 'An active price with this amount already exists.');
    }
    const productId = plan.stripeProductId ?? (await this.attachProduct(plan));
    const stripePrice = await this.stripeCatalog.createPrice(
      plan.key,
      productId,
      fields,
      countAlike(fields, plan.prices),
    );
    for (const old of replaced) {
      if (old.stripePriceId) await this.stripeCatalog.archivePrice(old.stripePriceId);
    }
    const created = await this.plans.addPrice(
      plan.id,
      { ...fields, stripePriceId: stripePrice.id },
      replaced.map((price) => price.id),
    );
    await this.changes.publish({ kind: 'catalog' });
    return toPriceDto(created);
  }

  async archivePrice(key: string, priceId: string): Promise<PriceDto> {
    const plan = await this.requirePlan(key);
    const price = plan.prices.find((candidate) => candidate.id === priceId);
    if (!price) throw new DomainError('not_found', `Plan "${key}" has no price ${priceId}.`);
    if (price.stripePriceId && price.active) await this.stripeCatalog.archivePrice(price.stripePriceId);
    const archived = await this.plans.setPriceActive(price.id, false);
    await this.changes.publish({ kind: 'catalog' });
    return toPriceDto(archived);
  }

  /** The Stripe ids of the metered prices the plan bills overage on, each once. */
  async overagePriceIds(planId: string): Promise<string[]> {
    const features = await this.plans.featuresOf(planId);
    return [
      ...new Set(features.flatMap((feature) => (feature.overagePriceId ? [feature.overagePriceId] : []))),
    ];
  }

  /**
   * The features as stored, each `overagePriceId` checked at Stripe (a metered price on an active
   * meter) and the meter's event name kept with it; 400 naming each feature whose price cannot be.
   */
  private async withOverageMeters(features: FeatureDto[], isDefault: boolean): Promise<NewFeature[]> {
    const errors: FieldError[] = [];
    const stored: NewFeature[] = [];
    for (const [index, feature] of features.entries()) {
      const { overagePriceId, ...quota } = feature;
      if (!overagePriceId) {
        stored.push(quota);
        continue;
      }
      const field = `features.${index}.overagePriceId`;
      if (isDefault) {
        errors.push({ field, message: 'the default plan has no subscription to bill overage on' });
        continue;
      }
      const meter = await this.stripeCatalog.overageMeter(overagePriceId);
      if ('problem' in meter) errors.push({ field, message: meter.problem });
      else stored.push({ ...quota, overagePriceId, overageEventName: meter.eventName });
    }
    if (errors.length > 0) throw DomainError.validation(errors);
    return stored;
  }

  private async attachProduct(plan: PlanWithCatalog): Promise<string> {
    const product = await this.stripeCatalog.createProduct(plan.key, {
      name: plan.name,
      description: plan.description,
    });
    await this.plans.update(plan.id, { stripeProductId: product.id });
    return product.id;
  }

  private async requirePlan(key: string): Promise<PlanWithCatalog> {
    const plan = await this.plans.findByKey(key);
    if (!plan) throw new DomainError('not_found', `No plan with key "${key}".`);
    return plan;
  }
}

/**
 * A trial without a card is a trial: the plan must have trial days (also after an update that changes
 * either field). Only the service knows the two: Stripe gets the days per subscription, so neither is
 * mirrored on the product.
 */
function assertTrialWithoutCardHasDays(trialDays: number, trialWithoutCard: boolean): void {
  if (trialWithoutCard && trialDays <= 0) {
    throw DomainError.validation([
      { field: 'trialWithoutCard', message: 'trialWithoutCard needs trialDays greater than 0' },
    ]);
  }
}

function toPriceFields(input: CreatePriceDto): PriceFields {
  return {
    interval: input.interval,
    amount: input.amount,
    currency: input.currency.toLowerCase(),
    credits: input.interval === 'one_time' ? (input.credits ?? null) : null,
    creditsExpireAfterDays: input.interval === 'one_time' ? (input.creditsExpireAfterDays ?? null) : null,
    perSeat: input.interval !== 'one_time' && input.perSeat === true,
  };
}

/** How many of `prices` have exactly these fields; archived prices count too. */
function countAlike(fields: PriceFields, prices: PriceFields[]): number {
  return prices.filter(
    (price) =>
      price.interval === fields.interval &&
      price.amount === fields.amount &&
      price.currency === fields.currency &&
      price.credits === fields.credits &&
      price.creditsExpireAfterDays === fields.creditsExpireAfterDays &&
      price.perSeat === fields.perSeat,
  ).length;
}

/**
 * A new price replaces the active one sold the same way: same interval and currency (and pack size and
 * expiry: a pack whose credits expire is sold beside one whose credits do not).
 */
function replaces(fields: PriceFields, existing: Price): boolean {
  return (
    existing.interval === fields.interval &&
    existing.currency === fields.currency &&
    (fields.interval !== 'one_time' ||
      (existing.credits === fields.credits &&
        existing.creditsExpireAfterDays === fields.creditsExpireAfterDays)) &&
    existing.perSeat === fields.perSeat
  );
}
