import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';
import { Prisma, Subscription } from '../../generated/prisma/client';
import { SyncTicket } from '../stripe/sync-ticket';

export interface SubscriptionSnapshot {
  accountId: string;
  stripeSubscriptionId: string;
  stripeCustomerId: string;
  status: string;
  priceId: string | null;
  stripePriceId: string | null;
  quantity: number;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  trialEnd: Date | null;
  endedAt: Date | null;
  stripeCreatedAt: Date;
}

@Injectable()
export class SubscriptionsRepository {
  constructor(private readonly prisma: PrismaService) {}

  findByStripeId(stripeSubscriptionId: string, client: Prisma.TransactionClient = this.prisma) {
    return client.subscription.findUnique({ where: { stripeSubscriptionId } });
  }

  listForAccount(accountId: string): Promise<Subscription[]> {
    return this.prisma.subscription.findMany({ where: { accountId }, orderBy: { stripeCreatedAt: 'desc' } });
  }

  /** The account's subscriptions with their plans, newest first. */
  historyOf(accountId: string) {
    return this.prisma.subscription.findMany({
      where: { accountId },
      orderBy: { stripeCreatedAt: 'desc' },
      include: { price: { include: { plan: { include: { features: true } } } } },
    });
  }

  /** Up to `take` subscriptions not synced since `before` (their Stripe ids and statuses). */
  syncedBefore(before: Date, take: number) {
    return this.prisma.subscription.findMany({
      where: { syncedAt: { lt: before } },
      select: { stripeSubscriptionId: true, status: true },
      take,
    });
  }

  upsert(snapshot: SubscriptionSnapshot, extra: Partial<Subscription>, client: Prisma.TransactionClient) {
    const data = { ...snapshot, ...extra, syncedAt: new Date() };
    return client.subscription.upsert({
      where: { stripeSubscriptionId: snapshot.stripeSubscriptionId },
      create: data,
      update: data,
    });
  }

  update(id: string, data: Prisma.SubscriptionUpdateInput, client: Prisma.TransactionClient = this.prisma) {
    return client.subscription.update({ where: { id }, data });
  }

  /** A ticket for a Stripe fetch about to be sent: later fetches draw higher tickets. */
  async nextSyncTicket(): Promise<SyncTicket> {
    // The sequence behind sync_ticket's default (BIGSERIAL); its values are handed out in call order.
    const [row] = await this.prisma.$queryRaw<SyncTicket[]>`
      SELECT nextval('subscriptions_sync_ticket_seq') AS ticket, clock_timestamp() AS "startedAt"`;
    if (!row) throw new Error('nextval(subscriptions_sync_ticket_seq) returned no row');
    return row;
  }

  /**
   * Serialises, across instances, the storing of an account's established subscriptions with the look
   * for a second one (and the record of a duplicate), for the rest of the transaction.
   */
  async lockAccount(accountId: string, client: Prisma.TransactionClient): Promise<void> {
    await client.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`subscriptions-of:${accountId}`}, 0))`;
  }

  /** The account's other subscriptions in one of these statuses (their Stripe ids). */
  async othersOf(
    accountId: string,
    stripeSubscriptionId: string,
    statuses: readonly string[],
    client: Prisma.TransactionClient,
  ): Promise<string[]> {
    const rows = await client.subscription.findMany({
      where: {
        accountId,
        stripeSubscriptionId: { not: stripeSubscriptionId },
        status: { in: [...statuses] },
      },
      select: { stripeSubscriptionId: true },
    });
    return rows.map((row) => row.stripeSubscriptionId);
  }

  /** Serialises work on one Stripe subscription across instances for the rest of the transaction. */
  async lock(stripeSubscriptionId: string, client: Prisma.TransactionClient): Promise<void> {
    await client.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${stripeSubscriptionId}, 0))`;
  }
}
