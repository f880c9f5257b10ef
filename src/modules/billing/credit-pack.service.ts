import { Injectable, Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import Stripe from 'stripe';

import { CreditsService } from '../credits/credits.service';
import { PlansService } from '../plans/plans.service';

interface Pack {
  credits: number;
  expireAfterDays: number | null;
}

/** Credits from a paid one-time Checkout Session, counted once per session. */
@Injectable()
export class CreditPackService {
  private readonly logger = new Logger(CreditPackService.name);
  /** A price's pack never changes (another size or expiry is another price): read once per price. */
  private readonly packs = new LRUCache<string, Pack>({ max: 10_000 });

  constructor(
    private readonly credits: CreditsService,
    private readonly plans: PlansService,
  ) {}

  /**
   * `session`: as retrieved from Stripe with `line_items` (CheckoutSessionsService), and `accountId` its
   * verified owner; a webhook's payload is never fulfilled.
   */
  async creditPaidSession(
    session: Stripe.Checkout.Session,
    cause: string | null,
    accountId: string,
  ): Promise<boolean> {
    const settled = session.payment_status === 'paid' || session.payment_status === 'no_payment_required';
    if (session.mode !== 'payment' || !settled) return false;
    const { credits, expireAfterDays } = await this.packsBought(session);
    if (!credits) {
      this.logger.warn({ msg: 'paid session without a known credit pack', session: session.id });
      return false;
    }
    const paymentIntent =
      typeof session.payment_intent === 'string' ? session.payment_intent : session.payment_intent?.id;
    return this.credits.purchase({
      accountId,
      credits,
      sourceKey: `checkout:${session.id}`,
      stripePaymentIntentId: paymentIntent ?? null,
      stripeEventId: cause,
      expireAfterDays,
    });
  }

  /**
   * What the session's line items bought, by their Stripe prices: not what its metadata says. Our
   * checkout sells one pack per session; should a session hold packs of different expiries, all its
   * credits expire with the soonest.
   */
  private async packsBought(session: Stripe.Checkout.Session): Promise<Pack> {
    let credits = 0;
    let expireAfterDays: number | null = null;
    for (const item of session.line_items?.data ?? []) {
      if (!item.price) continue;
      const pack = await this.packOfPrice(item.price.id);
      if (!pack) continue;
      credits += pack.credits * (item.quantity ?? 1);
      if (pack.expireAfterDays !== null) {
        expireAfterDays = Math.min(expireAfterDays ?? pack.expireAfterDays, pack.expireAfterDays);
      }
    }
    return { credits, expireAfterDays };
  }

  private async packOfPrice(stripePriceId: string): Promise<Pack | null> {
    const cached = this.packs.get(stripePriceId);
    if (cached) return cached;
    const price = await this.plans.findPriceByStripeId(stripePriceId);
    if (!price?.credits) return null;
    const pack = { credits: price.credits, expireAfterDays: price.creditsExpireAfterDays };
    this.packs.set(stripePriceId, pack);
    return pack;
  }
}
