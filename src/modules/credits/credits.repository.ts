import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';
import { isUniqueViolation } from '../../database/sql-state';
import { CreditEntry, Prisma } from '../../generated/prisma/client';
import { ChangeFeed } from '../change-feed/change-feed.service';

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

/** Runs on every credit-pack webhook: a prepared statement. */
const PURCHASE = `
  WITH counted AS (
    INSERT INTO credit_balances AS current (user_id, balance, updated_at)
    SELECT $1::uuid, $2::int, now()
    WHERE NOT EXISTS (SELECT 1 FROM credit_entries WHERE source_key = $3::text)
    ON CONFLICT (user_id) DO UPDATE SET balance = current.balance + EXCLUDED.balance, updated_at = now()
    RETURNING balance
  ), entry AS (
    INSERT INTO credit_entries (id, user_id, delta, balance_after, reason, source_key, stripe_payment_intent_id, stripe_event_id)
    SELECT gen_random_uuid(), $1::uuid, $2::int, balance, 'purchase', $3::text, $4::text, $5::text
    FROM counted
    RETURNING id
  )
  SELECT entry.id FROM entry CROSS JOIN LATERAL ${ChangeFeed.notifyExpression('$6::text')}`;

/** The ledger and the balance it sums to, always changed together (one statement or one transaction). */
@Injectable()
export class CreditsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Adds the credits unless this source was counted already; returns whether it added them. One
   * statement: the balance row is locked only while PostgreSQL runs it, not across round trips; and
   * other instances are told (NOTIFY, sent when it commits) in the same round trip.
   */
  async purchase(purchase: CreditPurchase): Promise<boolean> {
    const { userId, credits, sourceKey, stripePaymentIntentId, stripeEventId } = purchase;
    try {
      const inserted = await this.prisma.prepared<{ id: string }>('credit-purchase', PURCHASE, [
        userId,
        credits,
        sourceKey,
        stripePaymentIntentId,
        stripeEventId,
        ChangeFeed.encode({ kind: 'entitlements', userId }),
      ]);
      return inserted.length > 0;
    } catch (error) {
      // A concurrent delivery of the same purchase counted it first; this statement's increment is undone.
      if (isUniqueViolation(error)) return false;
      throw error;
    }
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

  /** Spends credits only if the balance covers them; returns the balance left, or null when it does not. */
  async spend(userId: string, credits: number, reason: string): Promise<number | null> {
    const [spent] = await this.prisma.$queryRaw<{ balance_after: number }[]>`
      WITH spent AS (
        UPDATE credit_balances SET balance = balance - ${credits}, updated_at = now()
        WHERE user_id = ${userId}::uuid AND balance >= ${credits}
        RETURNING balance)
      INSERT INTO credit_entries (id, user_id, delta, balance_after, reason)
      SELECT gen_random_uuid(), ${userId}::uuid, ${-credits}, balance, ${reason} FROM spent
      RETURNING balance_after`;
    return spent ? spent.balance_after : null;
  }

  /** Returns credits spent on a request that then failed. */
  async giveBack(userId: string, credits: number, reason: string): Promise<void> {
    await this.prisma.$executeRaw`
      WITH given AS (
        INSERT INTO credit_balances AS current (user_id, balance, updated_at)
        VALUES (${userId}::uuid, ${credits}, now())
        ON CONFLICT (user_id) DO UPDATE SET balance = current.balance + EXCLUDED.balance, updated_at = now()
        RETURNING balance)
      INSERT INTO credit_entries (id, user_id, delta, balance_after, reason)
      SELECT gen_random_uuid(), ${userId}::uuid, ${credits}, balance, ${reason} FROM given`;
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
  if (!row) throw new Error(`No credit balance row for user ${userId} right after creating it`);
  return row.balance;
}
