import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { catchError, defer, from, Observable, switchMap } from 'rxjs';

import { AuthenticatedUser } from '../auth/identity';
import { RouteMetadata } from '../auth/route-metadata';
import { PaywallService, SpentCredits } from './paywall.service';
import { PAYWALL_REQUIREMENTS, PaywalledRequest, PaywallRequirement } from './paywall.requirements';

type SpendingRequest = FastifyRequest & PaywalledRequest & { user?: AuthenticatedUser };

/**
 * Credits, in one place: spent atomically before the handler runs (402 `insufficient_credits`
 * without them), given back when it fails, so a failed request costs nothing.
 */
@Injectable()
export class CreditSpendingInterceptor implements NestInterceptor {
  private readonly logger = new Logger(CreditSpendingInterceptor.name);
  private readonly credits = new RouteMetadata<number>((reflector, targets) =>
    reflector
      .getAllAndMerge<PaywallRequirement[]>(PAYWALL_REQUIREMENTS, targets)
      .reduce(
        (sum, requirement) =>
          sum + (requirement.kind === 'credits' && !requirement.inHandler ? requirement.credits : 0),
        0,
      ),
  );

  constructor(
    private readonly reflector: Reflector,
    private readonly paywall: PaywallService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const credits = this.credits.of(this.reflector, context);
    if (credits === 0) return next.handle();
    const request = context.switchToHttp().getRequest<SpendingRequest>();
    const subject = PaywallService.subjectOf(request);
    let spent: SpentCredits | undefined;
    return from(this.paywall.spendCredits(subject, credits)).pipe(
      switchMap((spend) => {
        spent = spend;
        request.paywall = {
          limits: request.paywall?.limits ?? {},
          creditsSpent: credits,
          creditsRemaining: spend.balanceAfter,
        };
        return next.handle();
      }),
      catchError((error: unknown, _caught) =>
        defer(async () => {
          if (spent) {
            await this.paywall.giveBackCredits(subject, credits, spent).catch((giveBackError: unknown) =>
              this.logger.error({
                msg: 'credits of a failed request not given back',
                accountId: subject.accountId,
                credits,
                reason: (giveBackError as Error).message,
              }),
            );
          }
          throw error;
        }),
      ),
    );
  }
}
