import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';

import { DomainError } from '../../common/errors/domain-error';
import { REQUIRED_ROLE } from './auth.decorators';
import { ApiKeyScope, AuthenticatedUser, Role } from './identity';
import { RouteMetadata } from './route-metadata';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Global, after authentication: a request made with an API key stays within the key's scopes —
 * `read` for safe methods, `write` for the others, `billing` as well for billing writes, `admin`
 * for admin routes. Bearer tokens are not scoped.
 */
@Injectable()
export class ApiKeyScopeGuard implements CanActivate {
  private readonly adminRoute = new RouteMetadata<boolean>(
    (reflector, targets) => reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, targets) === 'admin',
  );

  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthenticatedUser }>();
    const key = request.user?.apiKey;
    if (!key) return true;
    const missing = this.needed(request, context).filter((scope) => !key.scopes.includes(scope));
    if (missing.length === 0) return true;
    throw new DomainError('insufficient_scope', `This API key lacks the ${missing.join(' and ')} scope.`, {
      missingScopes: missing,
    });
  }

  private needed(request: FastifyRequest, context: ExecutionContext): ApiKeyScope[] {
    const safe = SAFE_METHODS.has(request.method);
    const route = request.routeOptions.url ?? request.url;
    return [
      safe ? 'read' : 'write',
      ...(!safe && route.startsWith('/v1/billing') ? (['billing'] as const) : []),
      ...(this.adminRoute.of(this.reflector, context) ? (['admin'] as const) : []),
    ];
  }
}
