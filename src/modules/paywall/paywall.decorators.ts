import { applyDecorators, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';

import { ErrorCode } from '../../common/errors/error-catalog';
import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { CreditSpendingInterceptor } from './credit-spending.interceptor';
import { PAYWALL_REQUIREMENTS, PaywallRequirement } from './paywall.requirements';

export const POLICY_CODES: ErrorCode[] = [
  'subscription_required',
  'feature_not_in_plan',
  'payment_pending',
  'past_due',
  'subscription_paused',
];

/** Adds a requirement to the route's list (several paywall decorators stack), read by the global PaymentGuard. */
export function paywall(requirement: PaywallRequirement, codes: ErrorCode[]) {
  return applyDecorators(
    (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
      const holder = (descriptor?.value as object | undefined) ?? target;
      const existing =
        (Reflect.getMetadata(PAYWALL_REQUIREMENTS, holder) as PaywallRequirement[] | undefined) ?? [];
      Reflect.defineMetadata(PAYWALL_REQUIREMENTS, [...existing, requirement], holder);
    },
    ApiBearerAuth(),
    ApiSecurity('api-key'),
    ApiProblems('unauthenticated', ...codes),
  );
}

/** 402 unless the caller's plan (or a grant) includes the feature. */
export const RequiresFeature = (feature: string) => paywall({ kind: 'feature', feature }, POLICY_CODES);

/**
 * 402 `limit_reached` once the caller has used up the feature's limit. The feature needs a provider
 * marked `@CountsUsageOf(feature)`, and the handler creates through `PaywallService.createWithinLimit`.
 */
export const WithinLimit = (feature: string) =>
  paywall({ kind: 'limit', feature }, [...POLICY_CODES, 'limit_reached']);

/** Spends credits before the handler runs (given back if it fails); 402 `insufficient_credits` without them. */
export const ConsumesCredits = (credits: number) =>
  applyDecorators(
    paywall({ kind: 'credits', credits }, ['insufficient_credits']),
    UseInterceptors(CreditSpendingInterceptor),
  );

/**
 * A route that spends credits in the statement (or transaction) that does its work, through
 * `PaywallService.spendCreditsWith` or a statement built on `unexpiringSpend`: no interceptor, so a
 * request refused later (404) spends nothing at all. Declares 402 `insufficient_credits`.
 */
export const SpendsCredits = (credits: number) =>
  paywall({ kind: 'credits', credits, inHandler: true }, ['insufficient_credits']);
