import { Injectable, Logger } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { LRUCache } from 'lru-cache';
import Stripe from 'stripe';

import { CreditsService } from '../credits/credits.service';
import { PlansService } from '../plans/plans.service';
import { CustomersService } from './customers.service';

/** Credits from a paid one-time Checkout Session, counted once per session. */
@Injectable()
export class CreditPackService {
  private readonly logger = new Logger(CreditPackService.name);
  /** A price's credits never change (another pack size is another price): read once per price. */
  private readonly packCredits = new LRUCache<string, number>({ max: 10_000 });

  constructor(
    private readonly credits: CreditsService,
    private readonly plans: PlansService,
    private readonly customers: CustomersService,
  ) {}

  /** `knownUserId`: the session's user when the caller has resolved it already. */
  async creditPaidSession(
    session: Stripe.Checkout.Session,
    cause: string | null,
    knownUserId?: string,
  ): Promise<boolean> {
    if (session.mode !== 'payment' || session.payment_status !== 'paid') return false;
    const credits = await this.creditsOfPrice(session.metadata?.priceId);
    if (!credits) {
      this.logger.warn({ msg: 'paid session without a known credit pack', session: session.id });
      return false;
    }
    const customerId = typeof session.customer === 'string' ? session.customer : session.customer?.id;
    const userId =
      knownUserId ??
      (customerId ? await this.customers.userIdForCustomer(customerId, session.metadata?.userId) : null);
    if (!userId) return false;
    const paymentIntent =
      typeof session.payment_intent === 'string' ? session.payment_intent : session.payment_intent?.id;
    return this.credits.purchase({
      userId,
      credits,
      sourceKey: `checkout:${session.id}`,
      stripePaymentIntentId: paymentIntent ?? null,
      stripeEventId: cause,
    });
  }

  private async creditsOfPrice(priceId: string | undefined): Promise<number | null> {
    if (!priceId || !isUUID(priceId)) return null;
    const cached = this.packCredits.get(priceId);
    if (cached) return cached;
    const credits = (await this.plans.findPrice(priceId))?.credits ?? null;
    if (credits) this.packCredits.set(priceId, credits);
    return credits;
  }
}
