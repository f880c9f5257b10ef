import { createParamDecorator, ExecutionContext } from '@nestjs/common';

import { PaywallService } from './paywall.service';
import { PaywallSubject } from './paywall.requirements';

/** The caller as the paywall judges them: pass it to `PaywallService.createWithinLimit`. */
export const CurrentSubject = createParamDecorator(
  (_data: unknown, context: ExecutionContext): PaywallSubject =>
    PaywallService.subjectOf(context.switchToHttp().getRequest()),
);
