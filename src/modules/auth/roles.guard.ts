import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

import { DomainError } from '../../common/errors/domain-error';
import { AuthenticatedUser, Role } from '../users/user.types';

export const REQUIRED_ROLE = 'requiredRole';
export const RequireRole = (role: Role) => SetMetadata(REQUIRED_ROLE, role);

@Injectable()
export class RolesGuard implements CanActivate {
  /** Metadata never changes at run time: read once per handler. */
  private readonly requiredRoles = new WeakMap<object, Role | null>();

  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const role = this.requiredRole(context);
    if (!role) return true;
    const user = context.switchToHttp().getRequest<{ user?: AuthenticatedUser }>().user;
    if (user?.role !== role) throw new DomainError('forbidden', `This needs the ${role} role.`);
    return true;
  }

  private requiredRole(context: ExecutionContext): Role | null {
    const handler = context.getHandler();
    let role = this.requiredRoles.get(handler);
    if (role === undefined) {
      role =
        this.reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, [handler, context.getClass()]) ??
        null;
      this.requiredRoles.set(handler, role);
    }
    return role;
  }
}
