import { Injectable } from '@nestjs/common';

import { CreditEntry } from '../../generated/prisma/client';
import { ChangeFeed } from '../change-feed/change-feed.service';
import { CreditPurchase, CreditRefund, CreditsRepository } from './credits.repository';

@Injectable()
export class CreditsService {
  constructor(
    private readonly credits: CreditsRepository,
    private readonly changes: ChangeFeed,
  ) {}

  async purchase(purchase: CreditPurchase): Promise<boolean> {
    const added = await this.credits.purchase(purchase);
    // The purchase's own statement notified the other instances.
    if (added) this.changes.published({ kind: 'entitlements', accountId: purchase.accountId });
    return added;
  }

  async refund(refund: CreditRefund): Promise<number> {
    const result = await this.changes.transaction(async (tx) => {
      const taken = await this.credits.refund(refund, tx);
      if (taken && taken.taken > 0)
        await this.changes.publish({ kind: 'entitlements', accountId: taken.accountId }, tx);
      return taken;
    });
    return result?.taken ?? 0;
  }

  /** Spends credits only if the balance covers them; returns the balance left, or null when it does not. */
  spend(accountId: string, credits: number, reason: string): Promise<number | null> {
    return this.credits.spend(accountId, credits, reason);
  }

  giveBack(accountId: string, credits: number, reason: string): Promise<void> {
    return this.credits.giveBack(accountId, credits, reason);
  }

  balance(accountId: string): Promise<number> {
    return this.credits.balance(accountId);
  }

  ledger(accountId: string): Promise<CreditEntry[]> {
    return this.credits.ledger(accountId);
  }
}
