import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

import { DomainError } from '../../common/errors/domain-error';
import { AuthenticatedUser, Role } from '../users/user.types';

export const REQUIRED_ROLE = 'requiredRole';
export const RequireRole = (role: Role) => SetMetadata(REQUIRED_ROLE, role);

@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const role = this.reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!role) return true;
    const user = context.switchToHttp().getRequest<{ user?: AuthenticatedUser }>().user;
    if (user?.role !== role) throw new DomainError('forbidden', `This needs the ${role} role.`);
    return true;
  }
}
