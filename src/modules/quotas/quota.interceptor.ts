import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { catchError, from, Observable, switchMap, throwError } from 'rxjs';

import { AuthenticatedUser } from '../auth/identity';
import { RouteMetadata } from '../auth/route-metadata';
import { PAYWALL_REQUIREMENTS, PaywallRequirement } from '../paywall/paywall.requirements';
import { PaywallService } from '../paywall/paywall.service';
import { QuotaUse } from './quota-counters.service';
import { QuotaService } from './quota.service';

type QuotaRequirement = Extract<PaywallRequirement, { kind: 'quota' }>;

/**
 * Quotas, around the handler: taken before it runs (402 `quota_exhausted` when used up), given back
 * when it fails, so only a successful request counts.
 */
@Injectable()
export class QuotaInterceptor implements NestInterceptor {
  private readonly quotas = new RouteMetadata<QuotaRequirement[]>((reflector, targets) =>
    reflector
      .getAllAndMerge<PaywallRequirement[]>(PAYWALL_REQUIREMENTS, targets)
      .filter((requirement): requirement is QuotaRequirement => requirement.kind === 'quota'),
  );

  constructor(
    private readonly reflector: Reflector,
    private readonly quota: QuotaService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const requirements = this.quotas.of(this.reflector, context);
    if (requirements.length === 0) return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthenticatedUser }>();
    const subject = PaywallService.subjectOf(request);
    const taken: QuotaUse[] = [];
    const takeAll = async () => {
      try {
        for (const { feature, units } of requirements)
          taken.push(await this.quota.take(subject, feature, units));
      } catch (error) {
        for (const use of taken) this.quota.giveBack(use);
        throw error;
      }
    };
    return from(takeAll()).pipe(
      switchMap(() => next.handle()),
      catchError((error: unknown) => {
        for (const use of taken) this.quota.giveBack(use);
        return throwError(() => error);
      }),
    );
  }
}
