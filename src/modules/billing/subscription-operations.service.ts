import { Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';

import { DomainError } from '../../common/errors/domain-error';
import { Plan, Price } from '../../generated/prisma/client';
import type { AuthenticatedUser } from '../auth/identity';
import { isLive } from '../entitlements/access-policy';
import { EntitlementsService, toSubscriptionSummary } from '../entitlements/entitlements.service';
import type { SubscriptionWithPlan } from '../entitlements/entitlements.repository';
import { PlansService } from '../plans/plans.service';
import { StripeGateway } from '../stripe/stripe.gateway';
import { SubscriptionSummaryDto } from './billing.dto';
import { billingAccountOf } from './billing.service';
import { SeatsService } from './seats.service';
import { InvoicePreviewDto } from './subscription-operations.dto';
import { planChangeItems, planItemOf } from './subscription-items';
import { swapQuantity } from './subscription-quantity';
import { SubscriptionSyncService } from './subscription-sync.service';

type RecurringPrice = Price & { plan: Plan; stripePriceId: string };

/**
 * What an account's owners and admins do to its live subscription themselves: change its price or
 * quantity, preview what that costs, cancel it and take the cancellation back. Every operation asks
 * Stripe, then syncs the subscription at once, so the answer and the entitlements already show it.
 * Each request has an idempotency key of its own: the same operation asked again later (pro → team →
 * pro) is a new one, which a key derived from its inputs would have Stripe replay as the old answer.
 */
@Injectable()
export class SubscriptionOperationsService {
  constructor(
    private readonly stripe: StripeGateway,
    private readonly plans: PlansService,
    private readonly entitlements: EntitlementsService,
    private readonly subscriptionSync: SubscriptionSyncService,
    private readonly seats: SeatsService,
  ) {}

  /** Swaps the subscription's price and quantity (prorated); 409 when it has both already. */
  async change(
    caller: AuthenticatedUser,
    priceId: string,
    requestedQuantity?: number,
  ): Promise<SubscriptionSummaryDto> {
    const accountId = billingAccountOf(caller);
    const current = await this.liveSubscription(accountId);
    const price = await this.recurringPrice(priceId, 'not_found');
    const [quantity, overagePriceIds] = await Promise.all([
      this.quantity('change', accountId, current, price, requestedQuantity),
      this.plans.overagePriceIds(price.planId),
    ]);
    const idempotencyKey = `tollgate-change-${current.stripeSubscriptionId}-${randomUUID()}`;
    const changed = await this.stripe.call('subscriptions.update', async (stripe) => {
      const items = (await stripe.subscriptions.retrieve(current.stripeSubscriptionId)).items.data;
      const item = planItemOf(items);
      if (!item) throw new Error(`Stripe subscription ${current.stripeSubscriptionId} has no item to change`);
      // Stripe's state decides, not our copy: a copy left behind must not refuse (or repeat) a change.
      if (item.price.id === price.stripePriceId && item.quantity === quantity) return false;
      await stripe.subscriptions.update(
        current.stripeSubscriptionId,
        {
          // The plan's item takes the new price; the metered items become the new plan's overage prices.
          items: planChangeItems(items, { stripePriceId: price.stripePriceId, quantity }, overagePriceIds),
          proration_behavior: 'create_prorations',
          metadata: { accountId, priceId: price.id },
        },
        { idempotencyKey },
      );
      return true;
    });
    await this.subscriptionSync.syncById(current.stripeSubscriptionId, `plan-change:${caller.id}`);
    if (!changed) {
      throw new DomainError('conflict', 'The subscription is on this price and quantity already.');
    }
    return this.summary(accountId);
  }

  /** What the change to this price and quantity would invoice, from Stripe's invoice preview. */
  async preview(
    caller: AuthenticatedUser,
    priceId: string,
    requestedQuantity?: number,
  ): Promise<InvoicePreviewDto> {
    const accountId = billingAccountOf(caller);
    const current = await this.liveSubscription(accountId);
    const price = await this.recurringPrice(priceId, 'validation');
    const quantity = await this.quantity('preview', accountId, current, price, requestedQuantity);
    const invoice = await this.stripe.call('invoices.createPreview', async (stripe) => {
      const item = await this.itemOf(stripe, current.stripeSubscriptionId);
      return stripe.invoices.createPreview({
        customer: current.stripeCustomerId,
        subscription: current.stripeSubscriptionId,
        subscription_details: {
          items: [{ id: item.id, price: price.stripePriceId, quantity }],
          proration_behavior: 'create_prorations',
        },
      });
    });
    return {
      amountDue: invoice.amount_due,
      currency: invoice.currency,
      lines: invoice.lines.data.map((line) => ({
        description: line.description ?? '',
        amount: line.amount,
        proration: line.parent?.subscription_item_details?.proration ?? false,
      })),
    };
  }

  /** At the period's end (Stripe's `cancel_at_period_end`, access kept until then), or now. */
  async cancel(caller: AuthenticatedUser, atPeriodEnd = true): Promise<SubscriptionSummaryDto> {
    const accountId = billingAccountOf(caller);
    const { stripeSubscriptionId: id } = await this.liveSubscription(accountId);
    const idempotencyKey = `tollgate-cancel-${id}-${randomUUID()}`;
    if (atPeriodEnd) {
      await this.stripe.call('subscriptions.update', (stripe) =>
        stripe.subscriptions.update(id, { cancel_at_period_end: true }, { idempotencyKey }),
      );
    } else {
      await this.stripe.call('subscriptions.cancel', (stripe) =>
        stripe.subscriptions.cancel(id, {}, { idempotencyKey }),
      );
    }
    await this.subscriptionSync.syncById(id, `subscription-cancel:${caller.id}`);
    return this.summary(accountId);
  }

  /**
   * Undoes a scheduled cancellation, lifts paused payment collection, and resumes a `paused`
   * subscription (a trial that ended without a payment method), whichever Stripe says applies;
   * 409 `not_resumable` when none does.
   */
  async resume(caller: AuthenticatedUser): Promise<SubscriptionSummaryDto> {
    const accountId = billingAccountOf(caller);
    const { stripeSubscriptionId: id } = await this.liveSubscription(accountId);
    const key = `tollgate-resume-${id}-${randomUUID()}`;
    const resumed = await this.stripe.call('subscriptions.resume', async (stripe) => {
      const remote = await stripe.subscriptions.retrieve(id);
      const undo: Stripe.SubscriptionUpdateParams = {
        ...(remote.cancel_at_period_end
          ? { cancel_at_period_end: false }
          : remote.cancel_at !== null
            ? { cancel_at: '' }
            : {}),
        ...(remote.pause_collection ? { pause_collection: '' } : {}),
      };
      if (remote.status !== 'paused' && Object.keys(undo).length === 0) return false;
      if (remote.status === 'paused') {
        await stripe.subscriptions.resume(id, {}, { idempotencyKey: `${key}-resume` });
      }
      if (Object.keys(undo).length > 0) {
        await stripe.subscriptions.update(id, undo, { idempotencyKey: `${key}-update` });
      }
      return true;
    });
    await this.subscriptionSync.syncById(id, `subscription-resume:${caller.id}`);
    if (!resumed) {
      throw new DomainError(
        'not_resumable',
        'The subscription is neither scheduled to cancel nor paused; there is nothing to resume.',
      );
    }
    return this.summary(accountId);
  }

  private async liveSubscription(accountId: string): Promise<SubscriptionWithPlan> {
    const current = await this.entitlements.currentSubscription(accountId);
    if (!current || !isLive(current.status)) throw new DomainError('no_subscription');
    return current;
  }

  private async summary(accountId: string): Promise<SubscriptionSummaryDto> {
    const subscription = await this.entitlements.currentSubscription(accountId);
    if (!subscription) throw new DomainError('no_subscription');
    return toSubscriptionSummary(subscription);
  }

  /**
   * A recurring price on sale. One not on sale (unknown, archived, its plan archived) is 404 `not_found`
   * for a change (as before) and 400 for a preview; a one-time price is 400 for both.
   */
  private async recurringPrice(
    priceId: string,
    unknown: 'not_found' | 'validation',
  ): Promise<RecurringPrice> {
    const price = isUUID(priceId) ? await this.plans.findPriceWithPlan(priceId) : null;
    if (!price || !price.active || !price.plan.active || !price.stripePriceId) {
      if (unknown === 'not_found')
        throw new DomainError('not_found', 'No such price on sale; see GET /v1/plans.');
      throw priceRefused('priceId must be a price on sale (see GET /v1/plans)');
    }
    if (price.interval === 'one_time') throw priceRefused('priceId must be a recurring price');
    return { ...price, stripePriceId: price.stripePriceId };
  }

  private async quantity(
    use: 'change' | 'preview',
    accountId: string,
    current: SubscriptionWithPlan,
    price: RecurringPrice,
    requested: number | undefined,
  ): Promise<number> {
    const members = price.perSeat ? await this.seats.quantityFor(accountId, price) : 1;
    return swapQuantity({
      use,
      price,
      requested,
      members,
      current: { perSeat: current.price?.perSeat ?? false, quantity: current.quantity },
    });
  }

  private async itemOf(stripe: Stripe, subscriptionId: string): Promise<Stripe.SubscriptionItem> {
    const remote = await stripe.subscriptions.retrieve(subscriptionId);
    const item = planItemOf(remote.items.data);
    if (!item) throw new Error(`Stripe subscription ${remote.id} has no item to change`);
    return item;
  }
}

function priceRefused(message: string): DomainError {
  return DomainError.validation([{ field: 'priceId', message }]);
}
