import {
  applyDecorators,
  createParamDecorator,
  ExecutionContext,
  SetMetadata,
  UseInterceptors,
} from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiSecurity } from '@nestjs/swagger';

import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { AdminWriteAuditInterceptor } from '../audit/admin-write-audit.interceptor';
import { AuthenticatedUser, Role } from './identity';

export const IS_PUBLIC = 'auth:public';
export const REQUIRED_ROLE = 'auth:requiredRole';

/** Every route needs a caller unless it says so: signup, login, the plan list, webhooks, health. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/**
 * Documents that the route needs a caller (every route not `@Public()` does) and, when given, that
 * role, which the roles guard checks. Admin routes' writes are audited (`admin.write`): their module
 * imports AuditModule.
 */
export function Authenticated(options: { role?: Role } = {}) {
  const decorators = [
    ApiBearerAuth(),
    ApiSecurity('api-key'),
    ApiHeader({
      name: 'X-Account-Id',
      required: false,
      description:
        'The account to act for (one you are a member of); without it, your personal account. An API key acts only for its own.',
    }),
    ApiProblems(
      ...(options.role
        ? (['unauthenticated', 'forbidden', 'account_not_found'] as const)
        : (['unauthenticated', 'account_not_found'] as const)),
    ),
  ];
  if (options.role) decorators.push(SetMetadata(REQUIRED_ROLE, options.role));
  if (options.role === 'admin') decorators.push(UseInterceptors(AdminWriteAuditInterceptor));
  return applyDecorators(...decorators);
}

export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedUser =>
    context.switchToHttp().getRequest<{ user: AuthenticatedUser }>().user,
);
