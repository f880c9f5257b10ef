import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

import { DomainError } from '../../common/errors/domain-error';
import { REQUIRED_ROLE } from './auth.decorators';
import { AuthenticatedUser, Role } from './identity';
import { RouteMetadata } from './route-metadata';

/** Global, after authentication: 403 unless the caller has the role the route names. */
@Injectable()
export class RolesGuard implements CanActivate {
  private readonly requiredRole = new RouteMetadata<Role | null>(
    (reflector, targets) => reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, targets) ?? null,
  );

  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const role = this.requiredRole.of(this.reflector, context);
    if (!role) return true;
    const user = context.switchToHttp().getRequest<{ user?: AuthenticatedUser }>().user;
    if (user?.role !== role) throw new DomainError('forbidden', `This needs the ${role} role.`);
    return true;
  }
}
