import { Injectable } from '@nestjs/common';

import { ChangeFeed } from '../change-feed/change-feed.service';
import { PlanWithCatalog } from '../plans/plan.types';
import { PlansService } from '../plans/plans.service';

export interface OfferedPrice {
  id: string;
  interval: string;
  amount: number;
  currency: string;
  credits?: number;
}

export interface OfferedPlan {
  key: string;
  name: string;
  prices: OfferedPrice[];
}

const TTL_MS = 60_000;

/** What can be bought, as a 402 body offers it; cached, and dropped when the catalog changes. */
@Injectable()
export class PaywallCatalog {
  private plans?: { loadedAt: number; value: Promise<PlanWithCatalog[]> };

  constructor(
    private readonly plansService: PlansService,
    changes: ChangeFeed,
  ) {
    changes.subscribe('catalog', () => this.invalidate());
    changes.onGap(() => this.invalidate());
  }

  invalidate(): void {
    this.plans = undefined;
  }

  /** Active plans with a recurring price that include the feature. */
  async plansWithFeature(feature: string): Promise<OfferedPlan[]> {
    const plans = await this.activePlans();
    return plans
      .filter((plan) => !plan.isDefault && plan.features.some((candidate) => candidate.key === feature))
      .map((plan) => offer(plan, (price) => price.interval !== 'one_time'))
      .filter((plan) => plan.prices.length > 0);
  }

  /** Plans whose limit for the feature is higher than the given one. */
  async plansAboveLimit(feature: string, limit: number): Promise<OfferedPlan[]> {
    const plans = await this.activePlans();
    return plans
      .filter((plan) =>
        plan.features.some(
          (candidate) => candidate.key === feature && (candidate.limit === null || candidate.limit > limit),
        ),
      )
      .map((plan) => offer(plan, (price) => price.interval !== 'one_time'))
      .filter((plan) => plan.prices.length > 0);
  }

  async creditPacks(): Promise<OfferedPlan[]> {
    const plans = await this.activePlans();
    return plans
      .map((plan) => offer(plan, (price) => price.interval === 'one_time' && price.credits !== null))
      .filter((plan) => plan.prices.length > 0);
  }

  private activePlans(): Promise<PlanWithCatalog[]> {
    if (!this.plans || Date.now() - this.plans.loadedAt > TTL_MS) {
      const value = this.plansService.listActiveWithCatalog();
      this.plans = { loadedAt: Date.now(), value };
      value.catch(() => (this.plans = undefined));
    }
    return this.plans.value;
  }
}

function offer(
  plan: PlanWithCatalog,
  include: (price: PlanWithCatalog['prices'][number]) => boolean,
): OfferedPlan {
  return {
    key: plan.key,
    name: plan.name,
    prices: plan.prices
      .filter((price) => price.active && include(price))
      .map((price) => ({
        id: price.id,
        interval: price.interval,
        amount: price.amount,
        currency: price.currency,
        ...(price.credits !== null ? { credits: price.credits } : {}),
      })),
  };
}
