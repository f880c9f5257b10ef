import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';

import { AuthenticatedUser } from '../auth/identity';
import { RouteMetadata } from '../auth/route-metadata';
import { PaywallService } from './paywall.service';
import { PAYWALL_REQUIREMENTS, PaywalledRequest, PaywallRequirement } from './paywall.requirements';

type GuardedRequirement = Exclude<PaywallRequirement, { kind: 'credits' } | { kind: 'quota' }>;
type GuardedRequest = FastifyRequest & PaywalledRequest & { user?: AuthenticatedUser };

/**
 * Global, after authentication (401 first) and roles (403): answers 402 per the access policy for the
 * routes with `@RequiresFeature` or `@WithinLimit`. Features are decided from the in-process cache;
 * limits count current use. Credits are spent by `CreditSpendingInterceptor`, around the handler (so
 * a failed handler gives them back), and quotas taken by `QuotaGuard` (given back when the response is
 * an error).
 */
@Injectable()
export class PaymentGuard implements CanActivate {
  private readonly requirements = new RouteMetadata<GuardedRequirement[]>((reflector, targets) =>
    reflector
      .getAllAndMerge<PaywallRequirement[]>(PAYWALL_REQUIREMENTS, targets)
      .filter(
        (requirement): requirement is GuardedRequirement =>
          requirement.kind !== 'credits' && requirement.kind !== 'quota',
      ),
  );

  constructor(
    private readonly reflector: Reflector,
    private readonly paywall: PaywallService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const requirements = this.requirements.of(this.reflector, context);
    if (requirements.length === 0) return true;
    const request = context.switchToHttp().getRequest<GuardedRequest>();
    const subject = PaywallService.subjectOf(request);
    const limits: Record<string, number | null> = {};
    for (const requirement of requirements) {
      if (requirement.kind === 'feature') await this.paywall.assertFeature(subject, requirement.feature);
      else limits[requirement.feature] = await this.paywall.assertBelowLimit(subject, requirement.feature);
    }
    request.paywall = { limits, creditsSpent: 0, creditsRemaining: null };
    return true;
  }
}
