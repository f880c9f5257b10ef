import { applyDecorators, SetMetadata, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';

import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { ErrorCode } from '../../common/errors/error-catalog';
import { CreditRefundInterceptor } from './credit-refund.interceptor';
import { PaymentGuard } from './payment.guard';
import { PAYWALL_REQUIREMENTS, PaywallRequirement } from './paywall.requirements';

const POLICY_CODES: ErrorCode[] = [
  'subscription_required',
  'feature_not_in_plan',
  'payment_pending',
  'past_due',
  'subscription_paused',
];

/** Each paywall decorator authenticates by itself (401 first), so it needs no @Authenticated. */
function paywall(requirement: PaywallRequirement, codes: ErrorCode[]) {
  return applyDecorators(
    (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
      const holder = descriptor?.value ?? target;
      const existing: PaywallRequirement[] = Reflect.getMetadata(PAYWALL_REQUIREMENTS, holder) ?? [];
      SetMetadata(PAYWALL_REQUIREMENTS, [...existing, requirement])(target, key!, descriptor!);
    },
    UseGuards(PaymentGuard),
    ApiBearerAuth(),
    ApiSecurity('api-key'),
    ApiProblems('unauthenticated', ...codes),
  );
}

/** 402 unless the caller's plan (or a grant) includes the feature. */
export const RequiresFeature = (feature: string) => paywall({ kind: 'feature', feature }, POLICY_CODES);

/** 402 `limit_reached` once the caller has used up the feature's limit. */
export const WithinLimit = (feature: string) =>
  paywall({ kind: 'limit', feature }, [...POLICY_CODES, 'limit_reached']);

/** Spends credits before the handler runs (given back if it fails); 402 `insufficient_credits` without them. */
export const ConsumesCredits = (credits: number) =>
  applyDecorators(
    paywall({ kind: 'credits', credits }, ['insufficient_credits']),
    UseInterceptors(CreditRefundInterceptor),
  );
