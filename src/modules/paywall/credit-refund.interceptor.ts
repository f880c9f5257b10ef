import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { catchError, Observable, throwError } from 'rxjs';

import { CreditsRepository } from '../credits/credits.repository';
import { AuthenticatedUser } from '../users/user.types';
import { PaywalledRequest } from './paywall.requirements';

/** Credits spent by the guard come back when the handler fails: a failed request costs nothing. */
@Injectable()
export class CreditRefundInterceptor implements NestInterceptor {
  constructor(private readonly credits: CreditsRepository) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<PaywalledRequest & { user?: AuthenticatedUser }>();
    return next.handle().pipe(
      catchError((error: unknown) => {
        const spent = request.paywall?.creditsSpent ?? 0;
        if (spent === 0 || !request.user) return throwError(() => error);
        return new Observable<never>((subscriber) => {
          this.credits
            .giveBack(request.user!.id, spent, 'refund:failed_request')
            .finally(() => subscriber.error(error));
        });
      }),
    );
  }
}
