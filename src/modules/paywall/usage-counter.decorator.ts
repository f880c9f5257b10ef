import { SetMetadata } from '@nestjs/common';

import { Prisma } from '../../generated/prisma/client';

export const USAGE_COUNTER = 'paywall:usageCounter';

/** A provider that counts how much of a limited feature a user uses (e.g. the repository of the resource). */
export interface UsageCounter {
  /** Counts inside the given transaction when one is given (the limit's lock is held there). */
  countUsage(accountId: string, tx?: Prisma.TransactionClient): Promise<number>;
}

/**
 * Marks the provider that counts a limited feature's use; found at boot, so that `@WithinLimit`
 * and `PaywallService.createWithinLimit` need nothing else. A `@WithinLimit` feature without one
 * stops the boot.
 */
export const CountsUsageOf = (feature: string) => SetMetadata(USAGE_COUNTER, feature);
