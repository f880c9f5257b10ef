import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';

import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import type { ClientInfo } from '../sessions/sessions.repository';
import { AuthenticatedUser, Role } from './identity';

export const IS_PUBLIC = 'auth:public';
export const REQUIRED_ROLE = 'auth:requiredRole';

/** Every route needs a caller unless it says so: signup, login, the plan list, webhooks, health. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/**
 * Documents that the route needs a caller (every route not `@Public()` does) and, when given, that
 * role, which the roles guard checks.
 */
export function Authenticated(options: { role?: Role } = {}) {
  const decorators = [
    ApiBearerAuth(),
    ApiSecurity('api-key'),
    ApiProblems(
      ...(options.role ? (['unauthenticated', 'forbidden'] as const) : (['unauthenticated'] as const)),
    ),
  ];
  if (options.role) decorators.push(SetMetadata(REQUIRED_ROLE, options.role));
  return applyDecorators(...decorators);
}

/** The calling client as sessions record it: IP (after `TRUST_PROXY`) and user agent. */
export const Client = createParamDecorator((_data: unknown, context: ExecutionContext): ClientInfo => {
  const request = context
    .switchToHttp()
    .getRequest<{ ip?: string; headers: Record<string, string | string[] | undefined> }>();
  const userAgent = request.headers['user-agent'];
  return {
    ip: request.ip ?? null,
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 512) : null,
  };
});

export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedUser =>
    context.switchToHttp().getRequest<{ user: AuthenticatedUser }>().user,
);
