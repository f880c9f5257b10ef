import { Injectable, Logger } from '@nestjs/common';

import { InvoiceSyncService } from '../../invoices/invoice-sync.service';
import { StripeGateway } from '../../stripe/stripe.gateway';
import { WebhookIntakeService } from '../../webhooks/webhook-intake.service';
import { BillingStateDto } from '../billing.dto';
import { BillingService } from '../billing.service';
import { CheckoutSessionsService } from '../checkout-sessions.service';
import { CreditPackService } from '../credit-pack.service';
import { CustomersService } from '../customers.service';
import { SeatsService } from '../seats.service';
import { SubscriptionSyncService } from '../subscription-sync.service';

/**
 * The watermark stays this far behind the newest event listed, so that the next catch-up lists these
 * seconds again: an event Stripe lists a little after its `created` second is not passed over.
 */
const CATCH_UP_SETTLE_SECONDS = 600;
/** Stripe keeps events for 30 days: nothing older can be listed. */
const STRIPE_EVENT_RETENTION_SECONDS = 30 * 24 * 3600;
/** Stripe's largest page. */
const EVENTS_PAGE_SIZE = 100;
/** With nothing stored yet (a new installation), how far back missed events are looked for. */
const CATCH_UP_FIRST_WINDOW_SECONDS = 3 * 24 * 3600;

/** Heals what lost webhooks left behind, from Stripe's API. */
@Injectable()
export class ReconciliationService {
  private readonly logger = new Logger(ReconciliationService.name);

  constructor(
    private readonly stripe: StripeGateway,
    private readonly customers: CustomersService,
    private readonly subscriptionSync: SubscriptionSyncService,
    private readonly creditPacks: CreditPackService,
    private readonly checkoutSessions: CheckoutSessionsService,
    private readonly billing: BillingService,
    private readonly inbox: WebhookIntakeService,
    private readonly seats: SeatsService,
    private readonly invoiceSync: InvoiceSyncService,
  ) {}

  /**
   * Re-syncs every subscription, invoice and paid credit pack of one account from Stripe, and brings a
   * per-seat subscription's quantity to the member count.
   */
  async reconcileAccount(accountId: string): Promise<BillingStateDto> {
    const customer = await this.customers.existingCustomer(accountId);
    const cause = `reconcile:${new Date().toISOString()}`;
    const [subscriptions, sessions] = await this.stripe.call('reconcile.list', (stripe) =>
      Promise.all([
        collect(stripe.subscriptions.list({ customer, status: 'all', limit: 100 })),
        collect(stripe.checkout.sessions.list({ customer, limit: 100, expand: ['data.line_items'] })),
      ]),
    );
    for (const subscription of subscriptions) await this.subscriptionSync.syncById(subscription.id, cause);
    for (const session of sessions) {
      if ((await this.checkoutSessions.owner(session)) !== accountId) continue;
      await this.creditPacks.creditPaidSession(session, cause, accountId);
    }
    await this.invoiceSync.syncCustomer(customer);
    await this.seats.sync(accountId, cause);
    return this.billing.state(accountId);
  }

  /**
   * Stores and processes the events Stripe has that never reached the webhook: every event created
   * after the inbox's watermark. Stripe lists them newest first, a page of 100 at a time; each page is
   * stored (oldest first within it) before the next is asked for, so memory stays at one page and each
   * request is one call the Stripe client can pace. The watermark moves forward only once all pages are
   * stored, so an event dropped long before the newest one stored is still found.
   */
  async catchUpEvents(): Promise<{ imported: number; processed: number }> {
    const after = await this.catchUpStart();
    let imported = 0;
    let newest: number | null = null;
    let startingAfter: string | undefined;
    for (;;) {
      const page = await this.stripe.call('events.list', (stripe) =>
        stripe.events.list({
          created: { gt: after },
          limit: EVENTS_PAGE_SIZE,
          ...(startingAfter ? { starting_after: startingAfter } : {}),
        }),
      );
      const events = page.data;
      if (events.length === 0) break;
      newest ??= events.reduce((latest, event) => Math.max(latest, event.created), 0);
      const known = await this.inbox.knownIds(events.map((event) => event.id));
      const missed = events.filter((event) => !known.has(event.id)).sort((a, b) => a.created - b.created);
      for (const event of missed) await this.inbox.accept(event, 'catch-up');
      imported += missed.length;
      if (!page.has_more) break;
      startingAfter = events[events.length - 1]!.id;
    }
    if (imported > 0) this.logger.log({ msg: 'missed events caught up', count: imported });
    if (newest !== null) await this.inbox.markStoredThrough(fromUnix(newest - CATCH_UP_SETTLE_SECONDS));
    return { imported, processed: imported };
  }

  /** Events created after this second (Unix time) are listed. */
  private async catchUpStart(): Promise<number> {
    const now = Math.floor(Date.now() / 1000);
    const oldestListed = now - STRIPE_EVENT_RETENTION_SECONDS;
    const storedThrough = await this.inbox.storedThrough();
    if (storedThrough) return Math.max(toUnix(storedThrough), oldestListed);
    // Events stored before the watermark existed say nothing of what is missing among older ones.
    const anyStored = (await this.inbox.newestEventCreatedAt()) !== null;
    return anyStored ? oldestListed : now - CATCH_UP_FIRST_WINDOW_SECONDS;
  }

  /** Re-syncs the live subscriptions that have not been synced for a while. */
  async resyncStaleSubscriptions(olderThan: Date): Promise<number> {
    const stale = await this.subscriptionSync.liveSubscriptionsSyncedBefore(olderThan);
    for (const stripeSubscriptionId of stale) {
      await this.subscriptionSync.syncById(stripeSubscriptionId, 'reconcile:periodic');
    }
    return stale.length;
  }
}

function toUnix(time: Date): number {
  return Math.floor(time.getTime() / 1000);
}

function fromUnix(seconds: number): Date {
  return new Date(seconds * 1000);
}

async function collect<T>(list: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of list) items.push(item);
  return items;
}
