import { Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';

import { AppConfig } from '../../config/app-config';
import { Prisma, Subscription } from '../../generated/prisma/client';
import { EntitlementsService } from '../entitlements/entitlements.service';
import { ChangeFeed } from '../change-feed/change-feed.service';
import { isLive } from '../entitlements/access-policy';
import { PlansService } from '../plans/plans.service';
import { StripeGateway } from '../stripe/stripe.gateway';
import { CustomersService } from './customers.service';
import { PaymentOutcome, PaymentState, paymentState } from './payment-state';
import { planItemOf } from './subscription-items';
import { SubscriptionSnapshot, SubscriptionsRepository } from './subscriptions.repository';

export type { PaymentOutcome } from './payment-state';

/** A sync waits for other syncs of the same subscription (its lock), never for Stripe. */
const SYNC_TRANSACTION = { timeout: 10_000, maxWait: 5_000 };

const AUDITED_FIELDS = [
  'status',
  'priceId',
  'quantity',
  'cancelAtPeriodEnd',
  'graceUntil',
  'pausedAt',
  'trialEnd',
] as const;

/**
 * Makes our subscription row equal Stripe's current state. It always re-fetches the subscription from
 * Stripe, so the order events arrive in cannot matter: each fetch takes a ticket from a database
 * sequence before it is sent, and a row is only overwritten by a fetch with a later ticket. A fetch
 * sent later was answered with the state at that time or newer, and a change Stripe makes after an
 * earlier fetch comes with an event of its own, whose fetch takes a later ticket still. No database
 * connection is held while Stripe answers, so a slow Stripe cannot take the pool from other requests.
 */
@Injectable()
export class SubscriptionSyncService {
  private readonly logger = new Logger(SubscriptionSyncService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly stripe: StripeGateway,
    private readonly subscriptions: SubscriptionsRepository,
    private readonly customers: CustomersService,
    private readonly plans: PlansService,
    private readonly audit: EntitlementsService,
    private readonly changes: ChangeFeed,
  ) {}

  async syncById(
    stripeSubscriptionId: string,
    cause: string,
    payment?: PaymentOutcome,
  ): Promise<Subscription | null> {
    const ticket = await this.subscriptions.nextSyncTicket();
    const remote = await this.stripe.call('subscriptions.retrieve', (stripe) =>
      stripe.subscriptions.retrieve(stripeSubscriptionId),
    );
    const snapshot = await this.snapshot(remote);
    if (!snapshot) return null;
    const result = await this.changes.transaction(async (tx) => {
      await this.subscriptions.lock(stripeSubscriptionId, tx);
      const applied = await this.apply(snapshot, ticket, cause, tx, payment);
      if (applied.changed)
        await this.changes.publish({ kind: 'entitlements', accountId: snapshot.accountId }, tx);
      return applied;
    }, SYNC_TRANSACTION);
    return result.subscription;
  }

  /** Live subscriptions not synced since `before`, at most 500 a pass: the periodic re-sync's work. */
  async liveSubscriptionsSyncedBefore(before: Date): Promise<string[]> {
    const stale = await this.subscriptions.syncedBefore(before, 500);
    return stale.filter((row) => isLive(row.status)).map((row) => row.stripeSubscriptionId);
  }

  private async apply(
    fetched: SubscriptionSnapshot,
    ticket: bigint,
    cause: string,
    tx: Prisma.TransactionClient,
    payment?: PaymentOutcome,
  ): Promise<{ subscription: Subscription; changed: boolean }> {
    const previous = await this.subscriptions.findByStripeId(fetched.stripeSubscriptionId, tx);
    let subscription: Subscription;
    if (previous && previous.syncTicket > ticket) {
      // A later fetch is stored already; only this event's payment outcome may still count.
      if (!payment) return { subscription: previous, changed: false };
      const paymentState = this.paymentState(previous, previous.status, payment, cause);
      subscription = await this.subscriptions.update(previous.id, paymentState, tx);
    } else {
      const paymentState = this.paymentState(previous, fetched.status, payment, cause);
      subscription = await this.subscriptions.upsert(fetched, { ...paymentState, syncTicket: ticket }, tx);
    }

    const changed = AUDITED_FIELDS.filter((field) => !sameValue(previous?.[field], subscription[field]));
    if (changed.length > 0) {
      const pick = (row: Subscription | null) =>
        row ? Object.fromEntries(changed.map((field) => [field, jsonValue(row[field])])) : null;
      await this.audit.recordChange(
        subscription.accountId,
        previous ? 'subscription.changed' : 'subscription.created',
        cause,
        {
          stripeSubscriptionId: fetched.stripeSubscriptionId,
          from: pick(previous),
          to: pick(subscription),
        } as Prisma.InputJsonValue,
        tx,
      );
    }
    return { subscription, changed: changed.length > 0 };
  }

  private async snapshot(remote: Stripe.Subscription): Promise<SubscriptionSnapshot | null> {
    const stripeCustomerId = typeof remote.customer === 'string' ? remote.customer : remote.customer.id;
    const accountId = await this.customers.accountIdForCustomer(stripeCustomerId);
    if (!accountId) {
      this.logger.warn({ msg: 'subscription of an unknown customer ignored', subscription: remote.id });
      return null;
    }
    const item = planItemOf(remote.items.data);
    const stripePriceId = item?.price.id ?? null;
    const price = stripePriceId ? await this.plans.findPriceByStripeId(stripePriceId) : null;
    return {
      accountId,
      stripeSubscriptionId: remote.id,
      stripeCustomerId,
      status: remote.status,
      priceId: price?.id ?? null,
      stripePriceId,
      quantity: item?.quantity ?? 1,
      currentPeriodEnd: fromUnix(item?.current_period_end),
      cancelAtPeriodEnd: remote.cancel_at_period_end,
      trialEnd: fromUnix(remote.trial_end),
      endedAt: fromUnix(remote.ended_at),
      stripeCreatedAt: new Date(remote.created * 1000),
    };
  }

  private paymentState(
    previous: Subscription | null,
    status: string,
    payment: PaymentOutcome | undefined,
    cause: string,
  ): PaymentState {
    const result = paymentState(previous, status, payment, this.config.env.BILLING_GRACE_DAYS, new Date());
    if (result.graceStartedUnseen) {
      this.logger.warn({ msg: 'past_due without a failed payment seen yet; grace starts now', cause });
    }
    return result.state;
  }
}

function fromUnix(seconds: number | null | undefined): Date | null {
  return typeof seconds === 'number' ? new Date(seconds * 1000) : null;
}

function jsonValue(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : (value ?? null);
}

function sameValue(a: unknown, b: unknown): boolean {
  return jsonValue(a) === jsonValue(b);
}
