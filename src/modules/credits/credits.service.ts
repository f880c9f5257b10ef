import { Injectable } from '@nestjs/common';

import { EntitlementChangesService } from '../entitlements/entitlement-changes.service';
import { CreditPurchase, CreditRefund, CreditsRepository } from './credits.repository';

@Injectable()
export class CreditsService {
  constructor(
    private readonly credits: CreditsRepository,
    private readonly changes: EntitlementChangesService,
  ) {}

  async purchase(purchase: CreditPurchase): Promise<boolean> {
    const added = await this.credits.purchase(purchase);
    // The purchase's own statement notified the other instances.
    if (added) this.changes.publishLocally(purchase.userId);
    return added;
  }

  async refund(refund: CreditRefund): Promise<number> {
    const result = await this.credits.refund(refund);
    if (result && result.taken > 0) await this.changes.publish(result.userId);
    return result?.taken ?? 0;
  }
}
