import { Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';

import { ChangeFeed } from '../change-feed/change-feed.service';
import { CatalogSyncResultDto } from './plan.dto';
import { PlansRepository } from './plans.repository';
import { StripeCatalogService } from './stripe-catalog.service';
import { priceRowFromStripe, priceRowUpdate } from './stripe-price-fields';

export type PriceSyncOutcome = 'imported' | 'updated' | 'unchanged' | 'ignored';

/** Brings our catalog in step with Stripe's, which is the source of truth for products and amounts. */
@Injectable()
export class CatalogSyncService {
  private readonly logger = new Logger(CatalogSyncService.name);

  constructor(
    private readonly plans: PlansRepository,
    private readonly stripeCatalog: StripeCatalogService,
    private readonly changes: ChangeFeed,
  ) {}

  async syncAll(): Promise<CatalogSyncResultDto> {
    this.stripeCatalog.requireConfigured();
    const result: CatalogSyncResultDto = { plansUpdated: 0, pricesImported: 0, pricesUpdated: 0 };
    for (const plan of await this.plans.listAll()) {
      if (!plan.stripeProductId) continue;
      const product = await this.stripeCatalog.retrieveProduct(plan.stripeProductId);
      if (await this.applyProduct(product)) result.plansUpdated++;
      for (const price of await this.stripeCatalog.listPrices(plan.stripeProductId)) {
        const outcome = await this.applyPrice(price);
        if (outcome === 'imported') result.pricesImported++;
        if (outcome === 'updated') result.pricesUpdated++;
      }
    }
    return result;
  }

  /** Returns whether the plan changed. Products we did not create are ignored. */
  async applyProduct(product: Stripe.Product | Stripe.DeletedProduct): Promise<boolean> {
    const plan = await this.plans.findByStripeProductId(product.id);
    if (!plan) return false;
    const active = 'deleted' in product && product.deleted ? false : product.active;
    const name = 'name' in product ? product.name : plan.name;
    const description = 'description' in product ? (product.description ?? null) : plan.description;
    if (plan.active === active && plan.name === name && plan.description === description) return false;
    await this.plans.update(plan.id, { active, name, description });
    await this.changes.publish({ kind: 'catalog' });
    this.logger.log({ msg: 'plan brought in step with Stripe', plan: plan.key, product: product.id });
    return true;
  }

  async applyPrice(price: Stripe.Price | Stripe.DeletedPrice): Promise<PriceSyncOutcome> {
    const local = await this.plans.findPriceByStripeId(price.id);
    if ('deleted' in price && price.deleted) {
      if (!local?.active) return 'unchanged';
      await this.plans.updatePrice(local.id, { active: false });
      await this.changes.publish({ kind: 'catalog' });
      return 'updated';
    }
    const stripePrice = price;
    const remote = priceRowFromStripe(stripePrice);
    if (!remote) return 'ignored';
    if (local) {
      const update = priceRowUpdate(local, remote);
      if (!update) return 'unchanged';
      await this.plans.updatePrice(local.id, update);
      await this.changes.publish({ kind: 'catalog' });
      return 'updated';
    }
    const productId = typeof stripePrice.product === 'string' ? stripePrice.product : stripePrice.product.id;
    const plan = await this.plans.findByStripeProductId(productId);
    if (!plan) return 'ignored';
    await this.plans.addPrice(plan.id, remote, []);
    await this.changes.publish({ kind: 'catalog' });
    this.logger.log({ msg: 'price imported from Stripe', plan: plan.key, price: stripePrice.id });
    return 'imported';
  }
}
