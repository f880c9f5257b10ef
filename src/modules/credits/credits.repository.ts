import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';
import { isUniqueViolation } from '../../database/sql-state';
import { CreditEntry, Prisma } from '../../generated/prisma/client';
import { ChangeFeed } from '../change-feed/change-feed.service';

export interface CreditPurchase {
  accountId: string;
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

/**
 * Runs on every credit-pack webhook: a prepared statement. It first locks the payment's refund record
 * (creating it, or waiting for a refund that is recording it), so a refund processed at the same moment
 * either is seen here or sees this purchase; a refund seen here is taken at once, in a refund entry of
 * its own, exactly as `refund()` would have taken it.
 */
const PURCHASE = `
  WITH payment AS (
    INSERT INTO payment_refunds AS known (stripe_payment_intent_id)
    SELECT $4::text WHERE $4::text IS NOT NULL
    ON CONFLICT (stripe_payment_intent_id) DO UPDATE SET amount_refunded = known.amount_refunded
    RETURNING stripe_charge_id, amount, amount_refunded, stripe_event_id
  ), refunded AS (
    SELECT stripe_charge_id, amount_refunded, stripe_event_id,
      floor($2::int * amount_refunded::numeric / amount)::int AS credits
    FROM payment WHERE amount_refunded > 0
  ), counted AS (
    INSERT INTO credit_balances AS current (account_id, balance, updated_at)
    SELECT $1::uuid, $2::int - COALESCE((SELECT credits FROM refunded), 0), now()
    WHERE NOT EXISTS (SELECT 1 FROM credit_entries WHERE source_key = $3::text)
    ON CONFLICT (account_id) DO UPDATE SET balance = current.balance + EXCLUDED.balance, updated_at = now()
    RETURNING balance
  ), entry AS (
    INSERT INTO credit_entries (id, account_id, delta, balance_after, reason, source_key, stripe_payment_intent_id, stripe_event_id)
    SELECT gen_random_uuid(), $1::uuid, $2::int, balance + COALESCE((SELECT credits FROM refunded), 0),
      'purchase', $3::text, $4::text, $5::text
    FROM counted
    RETURNING id
  ), refund_entry AS (
    INSERT INTO credit_entries (id, account_id, delta, balance_after, reason, source_key, stripe_payment_intent_id, amount_refunded, stripe_event_id)
    SELECT gen_random_uuid(), $1::uuid, -refunded.credits, counted.balance, 'refund',
      'refund:' || refunded.stripe_charge_id || ':' || refunded.amount_refunded, $4::text,
      refunded.amount_refunded, refunded.stripe_event_id
    FROM counted CROSS JOIN refunded
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
    const { accountId, credits, sourceKey, stripePaymentIntentId, stripeEventId } = purchase;
    try {
      const inserted = await this.prisma.prepared<{ id: string }>('credit-purchase', PURCHASE, [
        accountId,
        credits,
        sourceKey,
        stripePaymentIntentId,
        stripeEventId,
        ChangeFeed.encode({ kind: 'entitlements', accountId }),
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
   * never goes below zero. Returns the user and how many credits were taken, or null when no purchase
   * of this payment is counted (yet: the refund is recorded, and the purchase takes it when it lands).
   * Runs in the caller's transaction, which announces the change.
   */
  async refund(
    refund: CreditRefund,
    tx: Prisma.TransactionClient,
  ): Promise<{ accountId: string; taken: number } | null> {
    await recordRefund(tx, refund);
    const purchase = await tx.creditEntry.findFirst({
      where: { stripePaymentIntentId: refund.stripePaymentIntentId, reason: 'purchase' },
    });
    if (!purchase) return null;
    const balance = await lockBalance(tx, purchase.accountId);
    const settled = await tx.creditEntry.aggregate({
      where: { stripePaymentIntentId: refund.stripePaymentIntentId, reason: 'refund' },
      _max: { amountRefunded: true },
    });
    const previouslyRefunded = settled._max.amountRefunded ?? 0;
    if (refund.amountRefunded <= previouslyRefunded) return { accountId: purchase.accountId, taken: 0 };
    const share = (amountRefunded: number) => Math.floor((purchase.delta * amountRefunded) / refund.amount);
    const owed = share(refund.amountRefunded) - share(previouslyRefunded);
    const taken = Math.min(owed, balance);
    await tx.creditEntry.create({
      data: {
        accountId: purchase.accountId,
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
      where: { accountId: purchase.accountId },
      data: { balance: { decrement: taken } },
    });
    return { accountId: purchase.accountId, taken };
  }

  /** Spends credits only if the balance covers them; returns the balance left, or null when it does not. */
  async spend(accountId: string, credits: number, reason: string): Promise<number | null> {
    const [spent] = await this.prisma.$queryRaw<{ balance_after: number }[]>`
      WITH spent AS (
        UPDATE credit_balances SET balance = balance - ${credits}, updated_at = now()
        WHERE account_id = ${accountId}::uuid AND balance >= ${credits}
        RETURNING balance)
      INSERT INTO credit_entries (id, account_id, delta, balance_after, reason)
      SELECT gen_random_uuid(), ${accountId}::uuid, ${-credits}, balance, ${reason} FROM spent
      RETURNING balance_after`;
    return spent ? spent.balance_after : null;
  }

  /** Returns credits spent on a request that then failed. */
  async giveBack(accountId: string, credits: number, reason: string): Promise<void> {
    await this.prisma.$executeRaw`
      WITH given AS (
        INSERT INTO credit_balances AS current (account_id, balance, updated_at)
        VALUES (${accountId}::uuid, ${credits}, now())
        ON CONFLICT (account_id) DO UPDATE SET balance = current.balance + EXCLUDED.balance, updated_at = now()
        RETURNING balance)
      INSERT INTO credit_entries (id, account_id, delta, balance_after, reason)
      SELECT gen_random_uuid(), ${accountId}::uuid, ${credits}, balance, ${reason} FROM given`;
  }

  async balance(accountId: string): Promise<number> {
    const row = await this.prisma.creditBalance.findUnique({ where: { accountId } });
    return row?.balance ?? 0;
  }

  ledger(accountId: string, take = 100): Promise<CreditEntry[]> {
    return this.prisma.creditEntry.findMany({ where: { accountId }, orderBy: { createdAt: 'desc' }, take });
  }
}

/** Keeps the largest refunded amount reported for the payment, and holds its row until commit. */
async function recordRefund(tx: Prisma.TransactionClient, refund: CreditRefund): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO payment_refunds AS known
      (stripe_payment_intent_id, stripe_charge_id, amount, amount_refunded, stripe_event_id, updated_at)
    VALUES (${refund.stripePaymentIntentId}, ${refund.chargeId}, ${refund.amount}, ${refund.amountRefunded},
      ${refund.stripeEventId}, now())
    ON CONFLICT (stripe_payment_intent_id) DO UPDATE SET
      stripe_charge_id = EXCLUDED.stripe_charge_id,
      amount = EXCLUDED.amount,
      amount_refunded = GREATEST(known.amount_refunded, EXCLUDED.amount_refunded),
      stripe_event_id = CASE WHEN EXCLUDED.amount_refunded > known.amount_refunded
        THEN EXCLUDED.stripe_event_id ELSE known.stripe_event_id END,
      updated_at = now()`;
}

async function lockBalance(tx: Prisma.TransactionClient, accountId: string): Promise<number> {
  await tx.$executeRaw`
    INSERT INTO credit_balances (account_id, balance, updated_at) VALUES (${accountId}::uuid, 0, now())
    ON CONFLICT (account_id) DO NOTHING`;
  const [row] = await tx.$queryRaw<{ balance: number }[]>`
    SELECT balance FROM credit_balances WHERE account_id = ${accountId}::uuid FOR UPDATE`;
  if (!row) throw new Error(`No credit balance row for user ${accountId} right after creating it`);
  return row.balance;
}
