import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';

import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { Role } from '../users/user.types';
import { AuthenticationGuard } from './authentication.guard';
import { RequireRole, RolesGuard } from './roles.guard';

/** The route needs a caller (JWT or API key) and, when given, that role. */
export function Authenticated(options: { role?: Role } = {}) {
  const decorators = [
    UseGuards(AuthenticationGuard, RolesGuard),
    ApiBearerAuth(),
    ApiSecurity('api-key'),
    ApiProblems(
      ...(options.role ? (['unauthenticated', 'forbidden'] as const) : (['unauthenticated'] as const)),
    ),
  ];
  if (options.role) decorators.push(RequireRole(options.role));
  return applyDecorators(...decorators);
}
