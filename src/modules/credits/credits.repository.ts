import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';
import { CreditEntry, Prisma } from '../../generated/prisma/client';

export interface CreditPurchase {
  userId: string;
  credits: number;
  /** Makes the purchase count once (the Checkout Session id). */
  sourceKey: string;
  stripePaymentIntentId: string | null;
  stripeEventId: string | null;
}

export interface CreditRefund {
  stripePaymentIntentId: string;
  chargeId: string;
  /** The charge's amount and cumulative amount refunded, in minor units. */
  amount: number;
  amountRefunded: number;
  stripeEventId: string | null;
}

/** The ledger and the balance it sums to, changed together in one transaction. */
@Injectable()
export class CreditsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Adds the credits unless this source was counted already; returns whether it added them. */
  purchase(purchase: CreditPurchase): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const balance = await lockBalance(tx, purchase.userId);
      const inserted = await tx.$queryRaw<{ id: string }[]>`
        INSERT INTO credit_entries (id, user_id, delta, balance_after, reason, source_key, stripe_payment_intent_id, stripe_event_id)
        VALUES (gen_random_uuid(), ${purchase.userId}::uuid, ${purchase.credits}, ${balance + purchase.credits}, 'purchase',
                ${purchase.sourceKey}, ${purchase.stripePaymentIntentId}, ${purchase.stripeEventId})
        ON CONFLICT (source_key) DO NOTHING
        RETURNING id`;
      if (inserted.length === 0) return false;
      await tx.creditBalance.update({
        where: { userId: purchase.userId },
        data: { balance: { increment: purchase.credits } },
      });
      return true;
    });
  }

  /**
   * Takes back the refunded share of a purchase's credits, as far as they are unspent: the balance
   * never goes below zero. Returns the user and how many credits were taken, or null when not ours.
   */
  refund(refund: CreditRefund): Promise<{ userId: string; taken: number } | null> {
    return this.prisma.$transaction(async (tx) => {
      const purchase = await tx.creditEntry.findFirst({
        where: { stripePaymentIntentId: refund.stripePaymentIntentId, reason: 'purchase' },
      });
      if (!purchase) return null;
      const balance = await lockBalance(tx, purchase.userId);
      const settled = await tx.creditEntry.aggregate({
        where: { stripePaymentIntentId: refund.stripePaymentIntentId, reason: 'refund' },
        _max: { amountRefunded: true },
      });
      const previouslyRefunded = settled._max.amountRefunded ?? 0;
      if (refund.amountRefunded <= previouslyRefunded) return { userId: purchase.userId, taken: 0 };
      const share = (amountRefunded: number) => Math.floor((purchase.delta * amountRefunded) / refund.amount);
      const owed = share(refund.amountRefunded) - share(previouslyRefunded);
      const taken = Math.min(owed, balance);
      await tx.creditEntry.create({
        data: {
          userId: purchase.userId,
          delta: -taken,
          balanceAfter: balance - taken,
          reason: 'refund',
          sourceKey: `refund:${refund.chargeId}:${refund.amountRefunded}`,
          stripePaymentIntentId: refund.stripePaymentIntentId,
          amountRefunded: refund.amountRefunded,
          stripeEventId: refund.stripeEventId,
        },
      });
      await tx.creditBalance.update({
        where: { userId: purchase.userId },
        data: { balance: { decrement: taken } },
      });
      return { userId: purchase.userId, taken };
    });
  }

  /** Spends credits only if the balance covers them; null when it does not. */
  spend(
    userId: string,
    credits: number,
    reason: string,
    client?: Prisma.TransactionClient,
  ): Promise<number | null> {
    const run = async (tx: Prisma.TransactionClient) => {
      const updated = await tx.$queryRaw<{ balance: number }[]>`
        UPDATE credit_balances SET balance = balance - ${credits}, updated_at = now()
        WHERE user_id = ${userId}::uuid AND balance >= ${credits}
        RETURNING balance`;
      if (updated.length === 0) return null;
      await tx.creditEntry.create({
        data: { userId, delta: -credits, balanceAfter: updated[0].balance, reason },
      });
      return updated[0].balance;
    };
    return client ? run(client) : this.prisma.$transaction(run);
  }

  /** Returns credits spent on a request that then failed. */
  giveBack(userId: string, credits: number, reason: string): Promise<void> {
    return this.prisma.$transaction(async (tx) => {
      const balance = await lockBalance(tx, userId);
      await tx.creditEntry.create({
        data: { userId, delta: credits, balanceAfter: balance + credits, reason },
      });
      await tx.creditBalance.update({ where: { userId }, data: { balance: { increment: credits } } });
    });
  }

  async balance(userId: string): Promise<number> {
    const row = await this.prisma.creditBalance.findUnique({ where: { userId } });
    return row?.balance ?? 0;
  }

  ledger(userId: string, take = 100): Promise<CreditEntry[]> {
    return this.prisma.creditEntry.findMany({ where: { userId }, orderBy: { createdAt: 'desc' }, take });
  }
}

async function lockBalance(tx: Prisma.TransactionClient, userId: string): Promise<number> {
  await tx.$executeRaw`
    INSERT INTO credit_balances (user_id, balance, updated_at) VALUES (${userId}::uuid, 0, now())
    ON CONFLICT (user_id) DO NOTHING`;
  const [row] = await tx.$queryRaw<{ balance: number }[]>`
    SELECT balance FROM credit_balances WHERE user_id = ${userId}::uuid FOR UPDATE`;
  return row.balance;
}
