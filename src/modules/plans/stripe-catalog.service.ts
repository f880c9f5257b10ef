import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import Stripe from 'stripe';

import { DomainError } from '../../common/errors/domain-error';
import { StripeGateway } from '../stripe/stripe.gateway';
import {
  CREDITS_EXPIRE_METADATA,
  CREDITS_METADATA,
  PER_SEAT_METADATA,
  PriceFields,
} from './stripe-price-fields';

export type { PriceFields } from './stripe-price-fields';

export const PLAN_KEY_METADATA = 'tollgate_plan';

export interface ProductFields {
  name: string;
  description: string | null;
}

/**
 * The catalog's side of Stripe. Creates carry idempotency keys derived from what is being created,
 * so an admin request retried after a timeout gets the object the first attempt made, not a twin.
 * A price's key also counts the plan's earlier prices with the same fields: re-adding an archived
 * amount is a new request (a new count), while a retry of one that saved nothing counts the same.
 */
@Injectable()
export class StripeCatalogService {
  constructor(private readonly stripe: StripeGateway) {}

  get configured(): boolean {
    return this.stripe.configured;
  }

  requireConfigured(): void {
    this.stripe.requireConfigured();
  }

  createProduct(planKey: string, fields: ProductFields): Promise<Stripe.Product> {
    const params: Stripe.ProductCreateParams = {
      name: fields.name,
      ...(fields.description ? { description: fields.description } : {}),
      metadata: { [PLAN_KEY_METADATA]: planKey },
    };
    return this.stripe.call('products.create', (stripe) =>
      stripe.products.create(params, { idempotencyKey: idempotencyKey('product', planKey, params) }),
    );
  }

  updateProduct(productId: string, changes: Stripe.ProductUpdateParams): Promise<Stripe.Product> {
    return this.stripe.call('products.update', (stripe) => stripe.products.update(productId, changes));
  }

  /** `earlierAlike`: how many prices with these same fields the plan already has, archived ones included. */
  createPrice(
    planKey: string,
    productId: string,
    fields: PriceFields,
    earlierAlike: number,
  ): Promise<Stripe.Price> {
    const params: Stripe.PriceCreateParams = {
      product: productId,
      unit_amount: fields.amount,
      currency: fields.currency,
      ...(fields.interval === 'one_time' ? {} : { recurring: { interval: fields.interval } }),
      metadata: {
        [PLAN_KEY_METADATA]: planKey,
        ...(fields.credits !== null ? { [CREDITS_METADATA]: String(fields.credits) } : {}),
        ...(fields.creditsExpireAfterDays !== null
          ? { [CREDITS_EXPIRE_METADATA]: String(fields.creditsExpireAfterDays) }
          : {}),
        ...(fields.perSeat ? { [PER_SEAT_METADATA]: 'true' } : {}),
      },
    };
    return this.stripe.call('prices.create', (stripe) =>
      stripe.prices.create(params, {
        idempotencyKey: idempotencyKey('price', planKey, { params, earlierAlike }),
      }),
    );
  }

  archivePrice(stripePriceId: string): Promise<Stripe.Price> {
    return this.stripe.call('prices.update', (stripe) =>
      stripe.prices.update(stripePriceId, { active: false }),
    );
  }

  retrieveProduct(productId: string): Promise<Stripe.Product> {
    return this.stripe.call('products.retrieve', (stripe) => stripe.products.retrieve(productId));
  }

  /**
   * The event name of the meter a metered price bills, for reporting overage on it; or the reason the
   * price cannot be one (Stripe's message when it has no such price or meter). Throws when Stripe
   * cannot be asked.
   */
  async overageMeter(priceId: string): Promise<{ eventName: string } | { problem: string }> {
    let price: Stripe.Price;
    try {
      price = await this.retrievePrice(priceId);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'stripe_rejected') return { problem: error.message };
      throw error;
    }
    const meterId = price.recurring?.usage_type === 'metered' ? price.recurring.meter : null;
    if (!meterId) {
      return {
        problem: `price ${priceId} is not on a meter (a recurring price with usage_type metered and a meter)`,
      };
    }
    if (!price.active) return { problem: `price ${priceId} is archived` };
    let meter: Stripe.Billing.Meter;
    try {
      meter = await this.stripe.call('billing.meters.retrieve', (stripe) =>
        stripe.billing.meters.retrieve(meterId),
      );
    } catch (error) {
      if (error instanceof DomainError && error.code === 'stripe_rejected') return { problem: error.message };
      throw error;
    }
    if (meter.status !== 'active') return { problem: `meter ${meterId} of price ${priceId} is not active` };
    return { eventName: meter.event_name };
  }

  retrievePrice(priceId: string): Promise<Stripe.Price> {
    return this.stripe.call('prices.retrieve', (stripe) => stripe.prices.retrieve(priceId));
  }

  async listPrices(productId: string): Promise<Stripe.Price[]> {
    return this.stripe.call('prices.list', async (stripe) => {
      const prices: Stripe.Price[] = [];
      for await (const price of stripe.prices.list({ product: productId, limit: 100 })) prices.push(price);
      return prices;
    });
  }
}

function idempotencyKey(kind: string, planKey: string, content: unknown): string {
  const digest = createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 32);
  return `tollgate-${kind}-${planKey}-${digest}`;
}
