import { Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';

import { AppConfig } from '../../config/app-config';
import { Prisma, Subscription } from '../../generated/prisma/client';
import { EntitlementChangesService } from '../entitlements/entitlement-changes.service';
import { EntitlementsRepository } from '../entitlements/entitlements.repository';
import { PlansRepository } from '../plans/plans.repository';
import { StripeGateway } from '../stripe/stripe.gateway';
import { CustomersService } from './customers.service';
import { SubscriptionSnapshot, SubscriptionsRepository } from './subscriptions.repository';

const DAY_MS = 24 * 60 * 60 * 1000;

/** A payment outcome that moves the grace period: when it happened, by Stripe's clock. */
export interface PaymentOutcome {
  kind: 'failed' | 'paid';
  at: Date;
}

const AUDITED_FIELDS = [
  'status',
  'priceId',
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
    private readonly plans: PlansRepository,
    private readonly audit: EntitlementsRepository,
    private readonly changes: EntitlementChangesService,
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
    const result = await this.subscriptions.transaction(async (tx) => {
      await this.subscriptions.lock(stripeSubscriptionId, tx);
      return this.apply(snapshot, ticket, cause, tx, payment);
    });
    if (result.changed) await this.changes.publish(result.subscription.userId);
    return result.subscription;
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
        subscription.userId,
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
    const userId = await this.customers.userIdForCustomer(stripeCustomerId);
    if (!userId) {
      this.logger.warn({ msg: 'subscription of an unknown customer ignored', subscription: remote.id });
      return null;
    }
    const item = remote.items.data[0];
    const stripePriceId = item?.price.id ?? null;
    const price = stripePriceId ? await this.plans.findPriceByStripeId(stripePriceId) : null;
    return {
      userId,
      stripeSubscriptionId: remote.id,
      stripeCustomerId,
      status: remote.status,
      priceId: price?.id ?? null,
      stripePriceId,
      currentPeriodEnd: fromUnix(item?.current_period_end),
      cancelAtPeriodEnd: remote.cancel_at_period_end,
      trialEnd: fromUnix(remote.trial_end),
      endedAt: fromUnix(remote.ended_at),
      stripeCreatedAt: new Date(remote.created * 1000),
    };
  }

  /** Grace starts at the first failed payment and ends with a later successful one. */
  private paymentState(
    previous: Subscription | null,
    status: string,
    payment: PaymentOutcome | undefined,
    cause: string,
  ): Pick<Subscription, 'firstFailedPaymentAt' | 'lastPaidAt' | 'graceUntil' | 'pausedAt'> {
    let firstFailed = previous?.firstFailedPaymentAt ?? null;
    let lastPaid = previous?.lastPaidAt ?? null;
    if (payment?.kind === 'paid') {
      lastPaid = latest(lastPaid, payment.at);
      if (firstFailed && firstFailed <= payment.at) firstFailed = null;
    }
    if (payment?.kind === 'failed' && !(lastPaid && lastPaid >= payment.at)) {
      firstFailed = firstFailed && firstFailed < payment.at ? firstFailed : payment.at;
    }
    if (status === 'active' || status === 'trialing') firstFailed = null;
    if ((status === 'past_due' || status === 'unpaid') && !firstFailed) {
      this.logger.warn({ msg: 'past_due without a failed payment seen yet; grace starts now', cause });
      firstFailed = new Date();
    }
    const graceUntil =
      firstFailed && status === 'past_due'
        ? new Date(firstFailed.getTime() + this.config.env.BILLING_GRACE_DAYS * DAY_MS)
        : null;
    const pausedAt = status === 'paused' ? (previous?.pausedAt ?? new Date()) : null;
    return { firstFailedPaymentAt: firstFailed, lastPaidAt: lastPaid, graceUntil, pausedAt };
  }
}

function fromUnix(seconds: number | null | undefined): Date | null {
  return typeof seconds === 'number' ? new Date(seconds * 1000) : null;
}

function latest(a: Date | null, b: Date): Date {
  return a && a > b ? a : b;
}

function jsonValue(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : (value ?? null);
}

function sameValue(a: unknown, b: unknown): boolean {
  return jsonValue(a) === jsonValue(b);
}
