import { Injectable, Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import Stripe from 'stripe';

import { CreditsService } from '../credits/credits.service';
import { PlansService } from '../plans/plans.service';

/** Credits from a paid one-time Checkout Session, counted once per session. */
@Injectable()
export class CreditPackService {
  private readonly logger = new Logger(CreditPackService.name);
  /** A price's credits never change (another pack size is another price): read once per price. */
  private readonly packCredits = new LRUCache<string, number>({ max: 10_000 });

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
    const credits = await this.creditsBought(session);
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
    });
  }

  /** What the session's line items bought, by their Stripe prices: not what its metadata says. */
  private async creditsBought(session: Stripe.Checkout.Session): Promise<number> {
    let credits = 0;
    for (const item of session.line_items?.data ?? []) {
      if (!item.price) continue;
      credits += ((await this.creditsOfPrice(item.price.id)) ?? 0) * (item.quantity ?? 1);
    }
    return credits;
  }

  private async creditsOfPrice(stripePriceId: string): Promise<number | null> {
    const cached = this.packCredits.get(stripePriceId);
    if (cached) return cached;
    const credits = (await this.plans.findPriceByStripeId(stripePriceId))?.credits ?? null;
    if (credits) this.packCredits.set(stripePriceId, credits);
    return credits;
  }
}
