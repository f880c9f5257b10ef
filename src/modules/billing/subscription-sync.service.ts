import { Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';

import { CoalescedFetches } from '../../common/concurrency/coalesced-fetches';
import { OneAtATime } from '../../common/concurrency/one-at-a-time';
import { AppConfig } from '../../config/app-config';
import { Prisma, Subscription } from '../../generated/prisma/client';
import { EntitlementsService } from '../entitlements/entitlements.service';
import { ChangeFeed } from '../change-feed/change-feed.service';
import { isLive, LIVE_STATUSES } from '../entitlements/access-policy';
import { isEstablished } from '../entitlements/account-subscription';
import { PlansService } from '../plans/plans.service';
import { StripeGateway } from '../stripe/stripe.gateway';
import { CustomersService } from './customers.service';
import { DuplicateSubscriptionsService } from './duplicate-subscriptions.service';
import { PaymentOutcome, PaymentState, paymentState } from './payment-state';
import { planItemOf } from './subscription-items';
import { SubscriptionSnapshot, SubscriptionsRepository } from './subscriptions.repository';
import { fetchAnswersEvent, SyncTicket } from '../stripe/sync-ticket';

export type { PaymentOutcome } from './payment-state';

/** A sync waits for other syncs of the same subscription (its lock), never for Stripe. */
const SYNC_TRANSACTION = { timeout: 10_000, maxWait: 5_000 };

const ESTABLISHED_STATUSES = LIVE_STATUSES.filter(isEstablished);

const AUDITED_FIELDS = [
  'status',
  'priceId',
  'quantity',
  'cancelAtPeriodEnd',
  'graceUntil',
  'pausedAt',
  'trialEnd',
] as const;

/** One fetch of a subscription from Stripe, with the ticket taken before it was sent. */
interface Fetched {
  ticket: SyncTicket;
  snapshot: SubscriptionSnapshot | null;
  paused: boolean;
}

/** A fetch that found the subscription. */
type StoredFetch = Fetched & { snapshot: SubscriptionSnapshot };

/** What a webhook event brings to a sync: its payment's outcome, and when it was received. */
export interface SyncedEvent {
  payment?: PaymentOutcome;
  receivedAt?: Date;
}

/**
 * Makes our subscription row equal Stripe's current state. It always re-fetches the subscription from
 * Stripe, so the order events arrive in cannot matter: each fetch takes a ticket from a database
 * sequence before it is sent, and a row is only overwritten by a fetch with a later ticket. A fetch
 * sent later was answered with the state at that time or newer, and a change Stripe makes after an
 * earlier fetch comes with an event of its own, whose fetch takes a later ticket still. No database
 * connection is held while Stripe answers, so a slow Stripe cannot take the pool from other requests.
 *
 * Fetches are coalesced per subscription (`CoalescedFetches`): a burst of events for one subscription
 * makes at most two fetches on this instance, the one in flight and one follow-up that every event
 * arriving meanwhile shares. Each event still applies its own part (its payment outcome, its cause)
 * with the shared fetch and that fetch's ticket, so the ticket rule above holds unchanged. The
 * applies of one subscription queue in process before taking a connection (they would queue on its
 * row lock anyway), so a burst does not hold the pool while it waits.
 *
 * An event received before the stored fetch was sent needs no fetch at all (`fetchAnswersEvent`):
 * Stripe changed the subscription before sending the event, so that fetch saw the change. This holds
 * across instances and over time, which coalescing in flight cannot: a renewal burst whose copies of
 * one subscription's events are spread over minutes of backlog costs one fetch per subscription.
 */
@Injectable()
export class SubscriptionSyncService {
  private readonly logger = new Logger(SubscriptionSyncService.name);
  private readonly fetches = new CoalescedFetches<string, Fetched>();
  private readonly applies = new OneAtATime<string>();

  constructor(
    private readonly config: AppConfig,
    private readonly stripe: StripeGateway,
    private readonly subscriptions: SubscriptionsRepository,
    private readonly customers: CustomersService,
    private readonly plans: PlansService,
    private readonly audit: EntitlementsService,
    private readonly changes: ChangeFeed,
    private readonly duplicates: DuplicateSubscriptionsService,
  ) {}

  async syncById(
    stripeSubscriptionId: string,
    cause: string,
    event: SyncedEvent = {},
  ): Promise<Subscription | null> {
    const synced = await this.store(stripeSubscriptionId, cause, event);
    if (!synced || synced.otherEstablished.length === 0) return synced?.subscription ?? null;
    // The account has a second established subscription (two checkouts paid): the later one is refunded
    // and canceled now, then every one but the kept one is brought up to date.
    const { accountId, stripeCustomerId } = synced.subscription;
    const kept = await this.duplicates.settle(accountId, stripeCustomerId, cause);
    let subscription = synced.subscription;
    for (const id of [stripeSubscriptionId, ...synced.otherEstablished]) {
      if (id === kept) continue;
      const resynced = await this.store(id, cause);
      if (id === stripeSubscriptionId && resynced) subscription = resynced.subscription;
    }
    return subscription;
  }

  /**
   * Stores Stripe's current state of the subscription. When it is established, the account's other
   * established subscriptions are looked for under the account's lock, so that of two stored at the
   * same moment on two instances, the later one sees the earlier.
   */
  private async store(
    stripeSubscriptionId: string,
    cause: string,
    { payment, receivedAt }: SyncedEvent = {},
  ): Promise<{ subscription: Subscription; otherEstablished: string[] } | null> {
    if (receivedAt) {
      const stored = await this.subscriptions.findByStripeId(stripeSubscriptionId);
      if (stored && fetchAnswersEvent(stored.fetchStartedAt, receivedAt)) {
        if (!payment) return { subscription: stored, otherEstablished: [] };
        return this.applies.run(stripeSubscriptionId, () =>
          this.applyFetched(stripeSubscriptionId, null, cause, payment),
        );
      }
    }
    const fetched = await this.fetches.fetch(
      stripeSubscriptionId,
      () => this.fetch(stripeSubscriptionId),
      receivedAt && ((flight) => fetchAnswersEvent(flight.ticket.startedAt, receivedAt)),
    );
    const { snapshot } = fetched;
    if (!snapshot) return null;
    return this.applies.run(stripeSubscriptionId, () =>
      this.applyFetched(stripeSubscriptionId, { ...fetched, snapshot }, cause, payment),
    );
  }

  /** Applies a fetch, or with `fetched` null only the event's payment outcome to the row as stored. */
  private async applyFetched(
    stripeSubscriptionId: string,
    fetched: StoredFetch | null,
    cause: string,
    payment?: PaymentOutcome,
  ): Promise<{ subscription: Subscription; otherEstablished: string[] }> {
    if (!payment && fetched) {
      // Stored from this fetch (by an event that shared it) or a later one: this event has nothing of
      // its own to apply, and whoever stored that row looked for a duplicate under the account's lock.
      const stored = await this.subscriptions.findByStripeId(stripeSubscriptionId);
      if (stored && stored.syncTicket >= fetched.ticket.ticket)
        return { subscription: stored, otherEstablished: [] };
    }
    return this.changes.transaction(async (tx) => {
      await this.subscriptions.lock(stripeSubscriptionId, tx);
      const applied = await this.apply(stripeSubscriptionId, fetched, cause, tx, payment);
      const { accountId } = applied.subscription;
      if (applied.changed) await this.changes.publish({ kind: 'entitlements', accountId }, tx);
      let otherEstablished: string[] = [];
      if (isEstablished(applied.subscription.status)) {
        await this.subscriptions.lockAccount(accountId, tx);
        otherEstablished = await this.subscriptions.othersOf(
          accountId,
          stripeSubscriptionId,
          ESTABLISHED_STATUSES,
          tx,
        );
      }
      return { subscription: applied.subscription, otherEstablished };
    }, SYNC_TRANSACTION);
  }

  /** Takes a ticket, then fetches: the order the ticket rule needs. */
  private async fetch(stripeSubscriptionId: string): Promise<Fetched> {
    const ticket = await this.subscriptions.nextSyncTicket();
    const remote = await this.stripe.call('subscriptions.retrieve', (stripe) =>
      stripe.subscriptions.retrieve(stripeSubscriptionId),
    );
    const paused = remote.status === 'paused' || Boolean(remote.pause_collection);
    return { ticket, snapshot: await this.snapshot(remote), paused };
  }

  /** Live subscriptions not synced since `before`, at most 500 a pass: the periodic re-sync's work. */
  async liveSubscriptionsSyncedBefore(before: Date): Promise<string[]> {
    const stale = await this.subscriptions.syncedBefore(before, 500);
    return stale.filter((row) => isLive(row.status)).map((row) => row.stripeSubscriptionId);
  }

  private async apply(
    stripeSubscriptionId: string,
    fetched: StoredFetch | null,
    cause: string,
    tx: Prisma.TransactionClient,
    payment?: PaymentOutcome,
  ): Promise<{ subscription: Subscription; changed: boolean }> {
    const previous = await this.subscriptions.findByStripeId(stripeSubscriptionId, tx);
    let subscription: Subscription;
    if (!fetched || (previous && previous.syncTicket > fetched.ticket.ticket)) {
      // A later fetch is stored already; only this event's payment outcome may still count.
      if (!previous) throw new Error(`subscription ${stripeSubscriptionId} is not stored`);
      if (!payment) return { subscription: previous, changed: false };
      const paymentState = this.paymentState(previous, previous.status, payment, cause, !!previous.pausedAt);
      subscription = await this.subscriptions.update(previous.id, paymentState, tx);
    } else {
      const { snapshot, paused, ticket } = fetched;
      const paymentState = this.paymentState(previous, snapshot.status, payment, cause, paused);
      subscription = await this.subscriptions.upsert(
        snapshot,
        { ...paymentState, syncTicket: ticket.ticket, fetchStartedAt: ticket.startedAt },
        tx,
      );
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
          stripeSubscriptionId,
          from: pick(previous),
          to: pick(subscription),
        } as Prisma.InputJsonValue,
        tx,
      );
    }
    // The entitlements cache also shows the period's end (GET /v1/me): a renewal must reach it.
    const renewed = !sameValue(previous?.currentPeriodEnd, subscription.currentPeriodEnd);
    return { subscription, changed: changed.length > 0 || renewed };
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
    paused: boolean,
  ): PaymentState {
    const grace = this.config.env.BILLING_GRACE_DAYS;
    const result = paymentState(previous, status, payment, grace, new Date(), paused);
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
