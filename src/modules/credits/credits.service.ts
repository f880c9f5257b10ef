import { Injectable } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import type { RequestOrigin } from '../../common/http/request-origin';
import { CreditEntry, CreditLot, Prisma } from '../../generated/prisma/client';
import { AuditLog } from '../audit/audit-log.service';
import { ChangeFeed } from '../change-feed/change-feed.service';
import { CreditSpend, LotTake } from './credit-lots';
import { CreditGrantDto, GrantCreditsDto } from './credits.dto';
import { CreditPurchase, CreditRefund, CreditsRepository, MAX_BALANCE } from './credits.repository';

/** Accounts one expiry query hands the pass at a time. */
const EXPIRY_BATCH = 100;

@Injectable()
export class CreditsService {
  constructor(
    private readonly credits: CreditsRepository,
    private readonly changes: ChangeFeed,
    private readonly audit: AuditLog,
  ) {}

  async purchase(purchase: CreditPurchase): Promise<boolean> {
    const added = await this.credits.purchase(purchase);
    // The purchase's own statement notified the other instances.
    if (added) this.changes.published({ kind: 'entitlements', accountId: purchase.accountId });
    return added;
  }

  async refund(refund: CreditRefund, now = new Date()): Promise<number> {
    const result = await this.changes.transaction(async (tx) => {
      const taken = await this.credits.refund(refund, now, tx);
      if (taken && (taken.taken > 0 || taken.expired > 0))
        await this.changes.publish({ kind: 'entitlements', accountId: taken.accountId }, tx);
      return taken;
    });
    return result?.taken ?? 0;
  }

  /**
   * Spends credits only if the balance covers them: one statement while the account holds no credits
   * that expire; otherwise a transaction that first lets the due ones expire, then spends the soonest
   * to expire first (credits that never expire last).
   */
  async spend(accountId: string, credits: number, reason: string, now = new Date()): Promise<CreditSpend> {
    const spend =
      (await this.credits.spendUnexpiring(accountId, credits, reason)) ??
      (await this.changes.transaction(async (tx) => {
        const { spend, expired } = await this.credits.spendWithLots(accountId, credits, reason, now, tx);
        if (expired > 0) await this.changes.publish({ kind: 'entitlements', accountId }, tx);
        return spend;
      }));
    if (spend.spent) this.changes.local({ kind: 'usage', accountId });
    return spend;
  }

  /**
   * Spends credits and runs `work` in the one transaction that holds the balance's lock: a `work` that
   * throws rolls the spend back with it, so a failed request costs nothing. For the accounts whose
   * credits expire (the spend locks anyway); the others spend and work in one statement where they can.
   */
  async spendWith<T>(
    accountId: string,
    credits: number,
    reason: string,
    work: (tx: Prisma.TransactionClient) => Promise<T>,
    now = new Date(),
  ): Promise<{ spent: true; balanceAfter: number; result: T } | { spent: false; balance: number }> {
    const outcome = await this.changes.transaction(async (tx) => {
      const { spend, expired } = await this.credits.spendWithLots(accountId, credits, reason, now, tx);
      if (expired > 0) await this.changes.publish({ kind: 'entitlements', accountId }, tx);
      if (!spend.spent) return spend;
      return { spent: true as const, balanceAfter: spend.balanceAfter, result: await work(tx) };
    });
    if (outcome.spent) this.changes.local({ kind: 'usage', accountId });
    return outcome;
  }

  /** Gives back what a spend took, to the lots it took from (`CreditSpend.fromLots`). */
  async giveBack(
    accountId: string,
    credits: number,
    reason: string,
    fromLots: LotTake[] = [],
  ): Promise<void> {
    if (fromLots.length === 0) await this.credits.giveBack(accountId, credits, reason);
    else
      await this.changes.transaction((tx) =>
        this.credits.giveBackToLots(accountId, credits, fromLots, reason, tx),
      );
    this.changes.local({ kind: 'usage', accountId });
  }

  /** An admin adds credits to an account (which the caller has checked exists), expiring or not. */
  async grant(
    accountId: string,
    input: GrantCreditsDto,
    by: { adminId: string; subjectId?: string; origin?: RequestOrigin },
    now = new Date(),
  ): Promise<CreditGrantDto> {
    const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
    if (expiresAt && expiresAt <= now) {
      throw DomainError.validation([{ field: 'expiresAt', message: 'expiresAt must be in the future' }]);
    }
    const granted = await this.changes.transaction(async (tx) => {
      const added = await this.credits.grant(
        { accountId, amount: input.amount, note: input.reason, adminId: by.adminId, expiresAt },
        tx,
      );
      if (!added) {
        throw new DomainError('conflict', `A balance holds at most ${MAX_BALANCE} credits.`);
      }
      await this.audit.record(
        'credits.granted',
        {
          actorId: by.adminId,
          subjectId: by.subjectId ?? null,
          origin: by.origin,
          details: {
            accountId,
            amount: input.amount,
            entryId: added.entry.id,
            expiresAt: expiresAt?.toISOString() ?? null,
          },
        },
        tx,
      );
      await this.changes.publish({ kind: 'entitlements', accountId }, tx);
      return added;
    });
    const { entry } = granted;
    return {
      balance: granted.balance,
      entry: {
        id: entry.id,
        delta: entry.delta,
        balanceAfter: entry.balanceAfter,
        reason: entry.reason,
        note: entry.note ?? '',
        createdBy: by.adminId,
        expiresAt: granted.expiresAt?.toISOString() ?? null,
        createdAt: entry.createdAt.toISOString(),
      },
    };
  }

  /**
   * Takes what remains of every lot due by `now` out of its account's balance (one `credits_expired`
   * entry per lot), one account per transaction. Idempotent: a closed lot is never taken again.
   */
  async expireDue(now = new Date()): Promise<{ accounts: number; creditsExpired: number }> {
    const seen = new Set<string>();
    let accounts = 0;
    let creditsExpired = 0;
    for (;;) {
      const batch = (await this.credits.accountsWithDueLots(now, EXPIRY_BATCH)).filter((id) => !seen.has(id));
      for (const accountId of batch) {
        seen.add(accountId);
        const expired = await this.changes.transaction(async (tx) => {
          const taken = await this.credits.expireDue(accountId, now, tx);
          if (taken > 0) await this.changes.publish({ kind: 'entitlements', accountId }, tx);
          return taken;
        });
        if (expired > 0) accounts += 1;
        creditsExpired += expired;
      }
      if (batch.length === 0) return { accounts, creditsExpired };
    }
  }

  balance(accountId: string): Promise<number> {
    return this.credits.balance(accountId);
  }

  ledger(accountId: string): Promise<CreditEntry[]> {
    return this.credits.ledger(accountId);
  }

  /** Unspent credits that expire, soonest first. */
  expiring(accountId: string): Promise<CreditLot[]> {
    return this.credits.expiring(accountId);
  }
}
