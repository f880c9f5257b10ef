import { applyDecorators, UseGuards } from '@nestjs/common';

import { paywall, POLICY_CODES } from '../paywall/paywall.decorators';
import { QuotaGuard } from './quota.guard';

/**
 * Counts each successful request against the feature's quota (`units` per request); past it, 402
 * `quota_exhausted` until the period resets, or overage when the plan's feature has an overage price.
 * A `units` that is not a positive whole number stops the boot.
 */
export function ConsumesQuota(feature: string, units = 1) {
  if (!Number.isSafeInteger(units) || units <= 0) {
    throw new Error(`@ConsumesQuota('${feature}', ${units}): units must be a positive whole number`);
  }
  return applyDecorators(
    paywall({ kind: 'quota', feature, units }, [...POLICY_CODES, 'quota_exhausted']),
    UseGuards(QuotaGuard),
  );
}
