import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';

import { undoUnlessSucceeded } from '../../common/http/undo-unless-succeeded';
import { AuthenticatedUser } from '../auth/identity';
import { RouteMetadata } from '../auth/route-metadata';
import { PAYWALL_REQUIREMENTS, PaywallRequirement, PaywallSubject } from '../paywall/paywall.requirements';
import { PaywallService } from '../paywall/paywall.service';
import { QuotaService } from './quota.service';

type QuotaRequirement = Extract<PaywallRequirement, { kind: 'quota' }>;

/**
 * Takes the route's quotas (402 `quota_exhausted` when used up). A route guard of `@ConsumesQuota`, so
 * it runs after the global ones (401, 403 and the PaymentGuard's 402 come first). Only a successful
 * request counts: a use is given back when the response is an error (`undoUnlessSucceeded`), whatever
 * failed after it (another quota, validation, credits, the handler).
 */
@Injectable()
export class QuotaGuard implements CanActivate {
  private readonly quotas = new RouteMetadata<QuotaRequirement[]>((reflector, targets) =>
    reflector
      .getAllAndMerge<PaywallRequirement[]>(PAYWALL_REQUIREMENTS, targets)
      .filter((requirement): requirement is QuotaRequirement => requirement.kind === 'quota'),
  );

  constructor(
    private readonly reflector: Reflector,
    private readonly quota: QuotaService,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const requirements = this.quotas.of(this.reflector, context);
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthenticatedUser }>();
    const subject = PaywallService.subjectOf(request);
    // The hot path stays synchronous: a promise per request costs more than the count itself.
    for (let index = 0; index < requirements.length; index++) {
      const { feature, units } = requirements[index]!;
      const use = this.quota.takeNow(subject, feature, units);
      if (!use) return this.takeRest(request, subject, requirements.slice(index));
      undoUnlessSucceeded(request, () => this.quota.giveBack(use));
    }
    return true;
  }

  private async takeRest(
    request: FastifyRequest,
    subject: PaywallSubject,
    requirements: QuotaRequirement[],
  ): Promise<boolean> {
    for (const { feature, units } of requirements) {
      const use = await this.quota.take(subject, feature, units);
      undoUnlessSucceeded(request, () => this.quota.giveBack(use));
    }
    return true;
  }
}
