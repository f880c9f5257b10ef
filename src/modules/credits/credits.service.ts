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
    if (added) this.changes.published({ kind: 'entitlements', userId: purchase.userId });
    return added;
  }

  async refund(refund: CreditRefund): Promise<number> {
    const result = await this.changes.transaction(async (tx) => {
      const taken = await this.credits.refund(refund, tx);
      if (taken && taken.taken > 0)
        await this.changes.publish({ kind: 'entitlements', userId: taken.userId }, tx);
      return taken;
    });
    return result?.taken ?? 0;
  }

  /** Spends credits only if the balance covers them; returns the balance left, or null when it does not. */
  spend(userId: string, credits: number, reason: string): Promise<number | null> {
    return this.credits.spend(userId, credits, reason);
  }

  giveBack(userId: string, credits: number, reason: string): Promise<void> {
    return this.credits.giveBack(userId, credits, reason);
  }

  balance(userId: string): Promise<number> {
    return this.credits.balance(userId);
  }

  ledger(userId: string): Promise<CreditEntry[]> {
    return this.credits.ledger(userId);
  }
}
