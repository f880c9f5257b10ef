import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';
import { Invoice, Prisma } from '../../generated/prisma/client';
import { InvoicePosition } from './invoice-cursor';
import { SyncTicket } from '../stripe/sync-ticket';

export interface InvoiceSnapshot {
  id: string;
  accountId: string;
  stripeCustomerId: string;
  stripeSubscriptionId: string | null;
  number: string | null;
  status: string;
  amountDue: bigint;
  amountPaid: bigint;
  currency: string;
  hostedInvoiceUrl: string | null;
  invoicePdf: string | null;
  stripeCreatedAt: Date;
  paidAt: Date | null;
}

@Injectable()
export class InvoicesRepository {
  constructor(private readonly prisma: PrismaService) {}

  find(id: string, client: Prisma.TransactionClient = this.prisma): Promise<Invoice | null> {
    return client.invoice.findUnique({ where: { id } });
  }

  upsert(snapshot: InvoiceSnapshot, fetch: SyncTicket, client: Prisma.TransactionClient): Promise<Invoice> {
    const data = {
      ...snapshot,
      syncTicket: fetch.ticket,
      fetchStartedAt: fetch.startedAt,
      syncedAt: new Date(),
    };
    return client.invoice.upsert({ where: { id: snapshot.id }, create: data, update: data });
  }

  /** Forgets an invoice Stripe no longer has (a deleted draft), unless a later fetch stored it. */
  async deleteHeldBefore(id: string, syncTicket: bigint): Promise<void> {
    await this.prisma.invoice.deleteMany({ where: { id, syncTicket: { lt: syncTicket } } });
  }

  /**
   * The account's invoices that are bills (drafts are not yet), newest first by Stripe's `created`,
   * after `after`; `take` of them.
   */
  page(accountId: string, after: InvoicePosition | null, take: number): Promise<Invoice[]> {
    return this.prisma.invoice.findMany({
      where: {
        accountId,
        status: { not: 'draft' },
        ...(after
          ? {
              OR: [
                { stripeCreatedAt: { lt: after.created } },
                { stripeCreatedAt: after.created, id: { lt: after.id } },
              ],
            }
          : {}),
      },
      orderBy: [{ stripeCreatedAt: 'desc' }, { id: 'desc' }],
      take,
    });
  }

  /** A ticket for a Stripe fetch about to be sent: later fetches draw higher tickets. */
  async nextSyncTicket(): Promise<SyncTicket> {
    // The sequence behind sync_ticket's default (BIGSERIAL); its values are handed out in call order.
    const [row] = await this.prisma.$queryRaw<SyncTicket[]>`
      SELECT nextval('invoices_sync_ticket_seq') AS ticket, clock_timestamp() AS "startedAt"`;
    if (!row) throw new Error('nextval(invoices_sync_ticket_seq) returned no row');
    return row;
  }

  /** Serialises work on one Stripe invoice across instances for the rest of the transaction. */
  async lock(id: string, client: Prisma.TransactionClient): Promise<void> {
    await client.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`invoice:${id}`}, 0))`;
  }
}
