import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';
import { isUniqueViolation } from '../../database/sql-state';
import { CreditEntry, CreditLot, Prisma } from '../../generated/prisma/client';
import { ChangeFeed } from '../change-feed/change-feed.service';
import {
  allocate,
  CreditAllocation,
  CreditLotState,
  CreditSpend,
  dueLots,
  LotTake,
  UNEXPIRING,
} from './credit-lots';
import { unexpiringSpend } from './unexpiring-spend.sql';

/** credit_balances.balance is a PostgreSQL integer. */
export const MAX_BALANCE = 2_147_483_647;

export interface CreditPurchase {
  accountId: string;
  credits: number;
  /** Makes the purchase count once (the Checkout Session id). */
  sourceKey: string;
  stripePaymentIntentId: string | null;
  stripeEventId: string | null;
  /** The pack's credits expire this many days after this purchase is counted; null: never. */
  expireAfterDays: number | null;
}

export interface CreditRefund {
  stripePaymentIntentId: string;
  chargeId: string;
  /** The charge's amount and cumulative amount refunded, in minor units. */
  amount: number;
  amountRefunded: number;
  stripeEventId: string | null;
}

export interface CreditGrant {
  accountId: string;
  amount: number;
  note: string;
  adminId: string;
  expiresAt: Date | null;
}

export interface GrantedCredits {
  entry: CreditEntry;
  balance: number;
  expiresAt: Date | null;
}

/**
 * Runs on every credit-pack webhook: a prepared statement. It first locks the payment's refund record
 * (creating it, or waiting for a refund that is recording it), so a refund processed at the same moment
 * either is seen here or sees this purchase; a refund seen here is taken at once, in a refund entry of
 * its own, exactly as `refund()` would have taken it (from this pack's credits, which just came in).
 * A pack that expires ($7 days) puts what it adds into a lot of its own.
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
    INSERT INTO credit_balances AS current (account_id, balance, lot_credits, updated_at)
    SELECT $1::uuid, $2::int - COALESCE((SELECT credits FROM refunded), 0),
      CASE WHEN $7::int IS NULL THEN 0 ELSE $2::int - COALESCE((SELECT credits FROM refunded), 0) END, now()
    WHERE NOT EXISTS (SELECT 1 FROM credit_entries WHERE source_key = $3::text)
    ON CONFLICT (account_id) DO UPDATE SET balance = current.balance + EXCLUDED.balance,
      lot_credits = current.lot_credits + EXCLUDED.lot_credits, updated_at = now()
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
  ), lot AS (
    INSERT INTO credit_lots (id, account_id, amount, remaining, expires_at, source_entry_id, created_at)
    SELECT gen_random_uuid(), $1::uuid, $2::int, $2::int - COALESCE((SELECT credits FROM refunded), 0),
      now() + make_interval(days => $7::int), entry.id, now()
    FROM entry WHERE $7::int IS NOT NULL
  )
  SELECT entry.id FROM entry CROSS JOIN LATERAL ${ChangeFeed.notifyExpression('$6::text')}`;

/** A spend alone; the balance it started from (its snapshot) when it misses. */
const SPEND_UNEXPIRING = `
  WITH ${unexpiringSpend({ account: '$1::uuid', credits: '$2::int', reason: '$3::text' })}
  SELECT (SELECT balance_after FROM entry) AS balance_after, before.balance, before.lot_credits
  FROM (SELECT 1) AS one
  LEFT JOIN credit_balances AS before ON before.account_id = $1::uuid`;

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
    const { accountId, credits, sourceKey, stripePaymentIntentId, stripeEventId, expireAfterDays } = purchase;
    try {
      const inserted = await this.prisma.prepared<{ id: string }>('credit-purchase', PURCHASE, [
        accountId,
        credits,
        sourceKey,
        stripePaymentIntentId,
        stripeEventId,
        ChangeFeed.encode({ kind: 'entitlements', accountId }),
        expireAfterDays,
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
   * never goes below zero. They come from the pack's own credits first (its lot, or the credits that
   * never expire for a pack without expiry), then in spend order. Returns the account, how many credits
   * were taken and how many expired meanwhile, or null when no purchase of this payment is counted (yet:
   * the refund is recorded, and the purchase takes it when it lands). Runs in the caller's transaction
   * (`now` is its clock), which announces the change.
   */
  async refund(
    refund: CreditRefund,
    now: Date,
    tx: Prisma.TransactionClient,
  ): Promise<{ accountId: string; taken: number; expired: number } | null> {
    await recordRefund(tx, refund);
    const purchase = await tx.creditEntry.findFirst({
      where: { stripePaymentIntentId: refund.stripePaymentIntentId, reason: 'purchase' },
      include: { lot: { select: { id: true } } },
    });
    if (!purchase) return null;
    const credits = await lockCredits(tx, purchase.accountId, now, { create: true });
    const settled = await tx.creditEntry.aggregate({
      where: { stripePaymentIntentId: refund.stripePaymentIntentId, reason: 'refund' },
      _max: { amountRefunded: true },
    });
    const previouslyRefunded = settled._max.amountRefunded ?? 0;
    const result = { accountId: purchase.accountId, taken: 0, expired: credits.expired };
    if (refund.amountRefunded <= previouslyRefunded) return result;
    const share = (amountRefunded: number) => Math.floor((purchase.delta * amountRefunded) / refund.amount);
    const owed = share(refund.amountRefunded) - share(previouslyRefunded);
    result.taken = Math.min(owed, credits.balance);
    await takeCredits(
      tx,
      credits,
      allocate(result.taken, credits.balance, credits.lots, purchase.lot?.id ?? UNEXPIRING),
      {
        accountId: purchase.accountId,
        reason: 'refund',
        sourceKey: `refund:${refund.chargeId}:${refund.amountRefunded}`,
        stripePaymentIntentId: refund.stripePaymentIntentId,
        amountRefunded: refund.amountRefunded,
        stripeEventId: refund.stripeEventId,
      },
    );
    return result;
  }

  /**
   * Spends credits only if the balance covers them, in one statement, while the account holds no
   * credits that expire. Null: it holds some (or its row changed while the statement ran); spend with
   * `spendWithLots` then, since nothing was changed here. A refusal reports the balance as of the
   * statement's start (its snapshot), a state the account was in while the request ran.
   */
  async spendUnexpiring(accountId: string, credits: number, reason: string): Promise<CreditSpend | null> {
    const [row] = await this.prisma.prepared<{
      balance_after: number | null;
      balance: number | null;
      lot_credits: number | null;
    }>('credit-spend-unexpiring', SPEND_UNEXPIRING, [accountId, credits, reason]);
    if (row?.balance_after !== null && row?.balance_after !== undefined) {
      return { spent: true, balanceAfter: row.balance_after, fromLots: [] };
    }
    const balance = row?.balance ?? 0;
    if (!row?.lot_credits && balance < credits) return { spent: false, balance };
    return null;
  }

  /**
   * Spends credits in the caller's transaction, locking the balance: the lots that are due expire first
   * (expired credits are never spent), then the credits are taken in spend order.
   */
  async spendWithLots(
    accountId: string,
    credits: number,
    reason: string,
    now: Date,
    tx: Prisma.TransactionClient,
  ): Promise<{ spend: CreditSpend; expired: number }> {
    const locked = await lockCredits(tx, accountId, now, { create: false });
    if (locked.balance < credits)
      return { spend: { spent: false, balance: locked.balance }, expired: locked.expired };
    const allocation = allocate(credits, locked.balance, locked.lots);
    const balanceAfter = await takeCredits(tx, locked, allocation, { accountId, reason });
    return { spend: { spent: true, balanceAfter, fromLots: allocation.fromLots }, expired: locked.expired };
  }

  /** Returns credits spent on a request that then failed, without lots: one statement. */
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

  /**
   * Returns credits spent on a request that then failed to the lots they came from, in the caller's
   * transaction. A lot that has expired since keeps nothing: those credits would have expired unspent.
   */
  async giveBackToLots(
    accountId: string,
    credits: number,
    fromLots: LotTake[],
    reason: string,
    tx: Prisma.TransactionClient,
  ): Promise<number> {
    await lockCredits(tx, accountId, null, { create: true });
    let restored = 0;
    for (const take of fromLots) {
      const reopened = await tx.creditLot.updateMany({
        where: { id: take.lotId, accountId, expiredAt: null },
        data: { remaining: { increment: take.credits } },
      });
      if (reopened.count > 0) restored += take.credits;
    }
    const given = credits - fromLots.reduce((sum, take) => sum + take.credits, 0) + restored;
    const balance = await tx.creditBalance.update({
      where: { accountId },
      data: { balance: { increment: given }, lotCredits: { increment: restored } },
    });
    await tx.creditEntry.create({
      data: { accountId, delta: given, balanceAfter: balance.balance, reason },
    });
    return given;
  }

  /** Adds an admin's grant, in a lot when it expires; null when the balance would overflow. */
  async grant(grant: CreditGrant, tx: Prisma.TransactionClient): Promise<GrantedCredits | null> {
    const locked = await lockCredits(tx, grant.accountId, null, { create: true });
    if (locked.balance + grant.amount > MAX_BALANCE) return null;
    const balance = await tx.creditBalance.update({
      where: { accountId: grant.accountId },
      data: {
        balance: { increment: grant.amount },
        lotCredits: { increment: grant.expiresAt ? grant.amount : 0 },
      },
    });
    const entry = await tx.creditEntry.create({
      data: {
        accountId: grant.accountId,
        delta: grant.amount,
        balanceAfter: balance.balance,
        reason: 'admin_grant',
        note: grant.note,
        createdBy: grant.adminId,
      },
    });
    if (grant.expiresAt) {
      await tx.creditLot.create({
        data: {
          accountId: grant.accountId,
          amount: grant.amount,
          remaining: grant.amount,
          expiresAt: grant.expiresAt,
          sourceEntryId: entry.id,
        },
      });
    }
    return { entry, balance: balance.balance, expiresAt: grant.expiresAt };
  }

  /** Accounts holding unspent credits whose expiry has come by `now`. */
  async accountsWithDueLots(now: Date, take: number): Promise<string[]> {
    const rows = await this.prisma.creditLot.findMany({
      where: { expiredAt: null, remaining: { gt: 0 }, expiresAt: { lte: now } },
      select: { accountId: true },
      distinct: ['accountId'],
      take,
    });
    return rows.map((row) => row.accountId);
  }

  /**
   * Takes what remains of the account's due lots out of its balance, one `credits_expired` entry per
   * lot, in the caller's transaction; returns the credits taken. Under the balance's lock a lot is
   * closed once, so reruns and other instances find nothing left to take.
   */
  async expireDue(accountId: string, now: Date, tx: Prisma.TransactionClient): Promise<number> {
    return (await lockCredits(tx, accountId, now, { create: false })).expired;
  }

  /** The account's credits that expire and are not spent yet, soonest first. */
  expiring(accountId: string): Promise<CreditLot[]> {
    return this.prisma.creditLot.findMany({
      where: { accountId, expiredAt: null, remaining: { gt: 0 } },
      orderBy: [{ expiresAt: 'asc' }, { createdAt: 'asc' }, { id: 'asc' }],
    });
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

/** An account's credits under its balance's lock: the balance and its live lots (none is due). */
interface LockedCredits {
  balance: number;
  lots: CreditLotState[];
  /** Credits the due lots held, taken out of the balance while locking. */
  expired: number;
}

/**
 * Locks the account's balance row (every change of a lot holds it), then, given `now`, closes the lots
 * that are due: what remains of each leaves the balance with a `credits_expired` entry of its own.
 * Without `now`, lots are not read (the caller changes the balance without spending). An account
 * without a balance row has none, unless `create` makes one.
 */
async function lockCredits(
  tx: Prisma.TransactionClient,
  accountId: string,
  now: Date | null,
  { create }: { create: boolean },
): Promise<LockedCredits> {
  if (create) {
    await tx.$executeRaw`
      INSERT INTO credit_balances (account_id, balance, updated_at) VALUES (${accountId}::uuid, 0, now())
      ON CONFLICT (account_id) DO NOTHING`;
  }
  const [row] = await tx.$queryRaw<{ balance: number }[]>`
    SELECT balance FROM credit_balances WHERE account_id = ${accountId}::uuid FOR UPDATE`;
  if (!row) return { balance: 0, lots: [], expired: 0 };
  if (!now) return { balance: row.balance, lots: [], expired: 0 };
  const open = await tx.creditLot.findMany({
    where: { accountId, expiredAt: null, OR: [{ remaining: { gt: 0 } }, { expiresAt: { lte: now } }] },
    select: { id: true, remaining: true, expiresAt: true, createdAt: true },
  });
  const due = dueLots(open, now);
  let balance = row.balance;
  for (const lot of due) {
    if (lot.remaining === 0) continue;
    const taken = Math.min(lot.remaining, balance);
    balance -= taken;
    await tx.creditEntry.create({
      data: {
        accountId,
        delta: -taken,
        balanceAfter: balance,
        reason: 'credits_expired',
        sourceKey: `expiry:${lot.id}`,
      },
    });
  }
  if (due.length > 0) {
    const inDue = due.reduce((sum, lot) => sum + lot.remaining, 0);
    await tx.creditLot.updateMany({
      where: { id: { in: due.map((lot) => lot.id) } },
      data: { remaining: 0, expiredAt: now },
    });
    await tx.$executeRaw`
      UPDATE credit_balances SET balance = ${balance}, lot_credits = GREATEST(lot_credits - ${inDue}, 0),
        updated_at = now()
      WHERE account_id = ${accountId}::uuid`;
  }
  const dueIds = new Set(due.map((lot) => lot.id));
  return {
    balance,
    lots: open.filter((lot) => !dueIds.has(lot.id) && lot.remaining > 0),
    expired: row.balance - balance,
  };
}

/**
 * Takes an allocation out of a locked balance with one ledger entry (negative delta); returns the
 * balance after it.
 */
async function takeCredits(
  tx: Prisma.TransactionClient,
  locked: LockedCredits,
  allocation: CreditAllocation,
  entry: Omit<Prisma.CreditEntryUncheckedCreateInput, 'delta' | 'balanceAfter'> & { accountId: string },
): Promise<number> {
  const fromLots = allocation.fromLots.reduce((sum, take) => sum + take.credits, 0);
  const taken = fromLots + allocation.unexpiring;
  for (const take of allocation.fromLots) {
    await tx.creditLot.update({
      where: { id: take.lotId },
      data: { remaining: { decrement: take.credits } },
    });
  }
  const balanceAfter = locked.balance - taken;
  await tx.$executeRaw`
    UPDATE credit_balances SET balance = ${balanceAfter}, lot_credits = lot_credits - ${fromLots}, updated_at = now()
    WHERE account_id = ${entry.accountId}::uuid`;
  await tx.creditEntry.create({ data: { ...entry, delta: -taken, balanceAfter } });
  return balanceAfter;
}
