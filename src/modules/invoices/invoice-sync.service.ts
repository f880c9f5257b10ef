import { Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';

import { CoalescedFetches } from '../../common/concurrency/coalesced-fetches';
import { OneAtATime } from '../../common/concurrency/one-at-a-time';
import { Invoice, Prisma } from '../../generated/prisma/client';
import { CustomersService } from '../billing/customers.service';
import { BillingMails } from '../billing-mails/billing-mails.service';
import { ChangeFeed } from '../change-feed/change-feed.service';
import { StripeGateway } from '../stripe/stripe.gateway';
import { InvoiceSnapshot, InvoicesRepository } from './invoices.repository';
import { fetchAnswersEvent, SyncTicket } from '../stripe/sync-ticket';

/** What an invoice event tells the account's owners and admins, if the invoice still says so. */
export type InvoiceNotice =
  { kind: 'receipt' } | { kind: 'payment_failed'; eventId: string; graceUntil: Date | null };

/** Statuses after which a failed attempt is no longer news: the invoice was paid or voided since. */
const SETTLED = new Set(['paid', 'void']);

const SYNC_TRANSACTION = { timeout: 10_000, maxWait: 5_000 };

/** One fetch of an invoice with the ticket taken before it was sent; null when Stripe has no such invoice. */
interface Fetched {
  ticket: SyncTicket;
  remote: Stripe.Invoice | null;
}

/**
 * Makes our invoice rows equal Stripe's invoices, the way subscriptions are synced: every write comes
 * from a fetch (never a webhook's payload), each fetch takes a ticket from a database sequence before
 * it is sent, and a row only takes a fetch with a later ticket than the one it holds. No database
 * connection is held while Stripe answers. Fetches of one invoice are coalesced like a subscription's
 * (at most one in flight and one follow-up per instance); each caller stores and mails with the shared
 * fetch and its ticket, one at a time per invoice in process (as the row lock would have them).
 */
@Injectable()
export class InvoiceSyncService {
  private readonly logger = new Logger(InvoiceSyncService.name);
  private readonly fetches = new CoalescedFetches<string, Fetched>();
  private readonly stores = new OneAtATime<string>();

  constructor(
    private readonly stripe: StripeGateway,
    private readonly invoices: InvoicesRepository,
    private readonly customers: CustomersService,
    private readonly mails: BillingMails,
    private readonly changes: ChangeFeed,
  ) {}

  /**
   * Re-fetches one invoice and stores it; with a notice, mails the account's owners and admins in the
   * same transaction when the invoice as stored still warrants it. Null when the invoice is not an
   * account's (or Stripe no longer has it: a deleted draft, forgotten here too).
   */
  async syncById(invoiceId: string, notice?: InvoiceNotice, receivedAt?: Date): Promise<Invoice | null> {
    if (receivedAt) {
      const stored = await this.invoices.find(invoiceId);
      if (stored && fetchAnswersEvent(stored.fetchStartedAt, receivedAt)) {
        return notice ? this.notifyStored(invoiceId, notice) : stored;
      }
    }
    const { ticket, remote } = await this.fetches.fetch(
      invoiceId,
      () => this.fetch(invoiceId),
      receivedAt && ((flight) => fetchAnswersEvent(flight.ticket.startedAt, receivedAt)),
    );
    if (!remote) {
      await this.invoices.deleteHeldBefore(invoiceId, ticket.ticket);
      return null;
    }
    return this.store(remote, ticket, notice);
  }

  /** The notice of an event that a stored fetch answers already, from the invoice as stored. */
  private notifyStored(invoiceId: string, notice: InvoiceNotice): Promise<Invoice | null> {
    return this.stores.run(invoiceId, () =>
      this.changes.transaction(async (tx) => {
        await this.invoices.lock(invoiceId, tx);
        const invoice = await this.invoices.find(invoiceId, tx);
        if (invoice) await this.notify(invoice, notice, tx);
        return invoice;
      }, SYNC_TRANSACTION),
    );
  }

  /** Takes a ticket, then fetches: the order the ticket rule needs. */
  private async fetch(invoiceId: string): Promise<Fetched> {
    const ticket = await this.invoices.nextSyncTicket();
    const remote = await this.stripe.call('invoices.retrieve', (stripe) =>
      stripe.invoices.retrieve(invoiceId).catch((error: unknown) => {
        if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing') {
          return null;
        }
        throw error;
      }),
    );
    return { ticket, remote };
  }

  /** Lists every invoice of the customer from Stripe and stores them (reconciliation); no mail. */
  async syncCustomer(stripeCustomerId: string): Promise<number> {
    const ticket = await this.invoices.nextSyncTicket();
    const listed = await this.stripe.call('invoices.list', async (stripe) => {
      const invoices: Stripe.Invoice[] = [];
      for await (const invoice of stripe.invoices.list({ customer: stripeCustomerId, limit: 100 })) {
        invoices.push(invoice);
      }
      return invoices;
    });
    let stored = 0;
    for (const invoice of listed) if (await this.store(invoice, ticket)) stored++;
    return stored;
  }

  private async store(
    remote: Stripe.Invoice,
    ticket: SyncTicket,
    notice?: InvoiceNotice,
  ): Promise<Invoice | null> {
    const snapshot = await this.snapshot(remote);
    if (!snapshot) return null;
    return this.stores.run(snapshot.id, () =>
      this.changes.transaction(async (tx) => {
        await this.invoices.lock(snapshot.id, tx);
        const previous = await this.invoices.find(snapshot.id, tx);
        const invoice =
          previous && previous.syncTicket > ticket.ticket
            ? previous
            : await this.invoices.upsert(snapshot, ticket, tx);
        if (notice) await this.notify(invoice, notice, tx);
        return invoice;
      }, SYNC_TRANSACTION),
    );
  }

  private async notify(invoice: Invoice, notice: InvoiceNotice, tx: Prisma.TransactionClient): Promise<void> {
    const common = { invoiceNumber: invoice.number, currency: invoice.currency };
    if (notice.kind === 'receipt') {
      // Nothing was charged for a zero invoice (a trial's first, one paid by credit): no receipt.
      if (invoice.status !== 'paid' || invoice.amountPaid <= 0n) return;
      await this.mails.receipt(
        invoice.accountId,
        invoice.id,
        {
          ...common,
          amountPaid: Number(invoice.amountPaid),
          paidAt: (invoice.paidAt ?? new Date()).toISOString(),
          hostedInvoiceUrl: invoice.hostedInvoiceUrl,
        },
        tx,
      );
      return;
    }
    if (SETTLED.has(invoice.status)) return;
    await this.mails.paymentFailed(
      invoice.accountId,
      notice.eventId,
      {
        ...common,
        amountDue: Number(invoice.amountDue),
        graceUntil: notice.graceUntil?.toISOString() ?? null,
      },
      tx,
    );
  }

  private async snapshot(remote: Stripe.Invoice): Promise<InvoiceSnapshot | null> {
    const stripeCustomerId = idOf(remote.customer);
    const account = stripeCustomerId ? await this.customers.accountForCustomer(stripeCustomerId) : null;
    if (!stripeCustomerId || !account) {
      this.logger.warn({ msg: 'invoice of an unknown customer ignored', invoice: remote.id });
      return null;
    }
    return {
      id: remote.id,
      accountId: account.id,
      stripeCustomerId,
      stripeSubscriptionId: subscriptionIdOf(remote),
      number: remote.number ?? null,
      status: remote.status ?? 'draft',
      amountDue: BigInt(remote.amount_due),
      amountPaid: BigInt(remote.amount_paid),
      currency: remote.currency,
      hostedInvoiceUrl: remote.hosted_invoice_url ?? null,
      invoicePdf: remote.invoice_pdf ?? null,
      stripeCreatedAt: new Date(remote.created * 1000),
      paidAt: remote.status_transitions?.paid_at ? new Date(remote.status_transitions.paid_at * 1000) : null,
    };
  }
}

/** The subscription an invoice bills, where the current API (`parent`) or an older one puts it. */
export function subscriptionIdOf(invoice: Stripe.Invoice): string | null {
  const legacy = (invoice as unknown as { subscription?: string | { id: string } | null }).subscription;
  return idOf(invoice.parent?.subscription_details?.subscription) ?? idOf(legacy);
}

function idOf(reference: string | { id: string } | null | undefined): string | null {
  if (!reference) return null;
  return typeof reference === 'string' ? reference : reference.id;
}
