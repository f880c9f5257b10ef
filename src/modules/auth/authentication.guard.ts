import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';

import { DomainError } from '../../common/errors/domain-error';
import { sessionEnded } from '../sessions/sessions.service';
import { ACCOUNT_HEADER } from './acting-account';
import { IS_PUBLIC } from './auth.decorators';
import { AuthenticatedUser } from './identity';
import { RouteMetadata } from './route-metadata';
import { IdentityCache } from './identity-cache.service';
import { VerifiedTokens } from './verified-tokens';

/** Global: every route not `@Public()` needs a bearer JWT or an X-API-Key; 401 problem otherwise. */
@Injectable()
export class AuthenticationGuard extends AuthGuard(['jwt', 'api-key']) {
  private readonly isPublic = new RouteMetadata<boolean>(
    (reflector, targets) => reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets) ?? false,
  );

  constructor(
    private readonly reflector: Reflector,
    private readonly verified: VerifiedTokens,
    private readonly identities: IdentityCache,
  ) {
    super();
  }

  /**
   * A token that Passport's JWT strategy verified before needs no second round through Passport: its
   * user is resolved from the identity cache (no query when warm).
   */
  override canActivate(context: ExecutionContext): Promise<boolean> | boolean {
    if (this.isPublic.of(this.reflector, context)) return true;
    const request = context.switchToHttp().getRequest<{
      headers: { authorization?: string; [ACCOUNT_HEADER]?: string | string[] };
      user?: AuthenticatedUser;
    }>();
    const token = VerifiedTokens.bearerToken(request.headers.authorization);
    const claims = token ? this.verified.claimsOf(token) : undefined;
    if (!claims) return super.canActivate(context) as Promise<boolean>;
    const user = this.identities.resolve(claims, request.headers[ACCOUNT_HEADER]);
    if (user instanceof Promise) return user.then((resolved) => admit(request, resolved));
    return admit(request, user);
  }

  override handleRequest<TUser>(error: unknown, user: TUser | false): TUser {
    if (error) throw error instanceof Error ? error : new Error('Authentication failed', { cause: error });
    if (!user) {
      throw new DomainError(
        'unauthenticated',
        'Send a valid bearer token (Authorization header) or an X-API-Key.',
      );
    }
    return user;
  }
}

function admit(request: { user?: AuthenticatedUser }, user: AuthenticatedUser | null): true {
  if (!user) throw sessionEnded();
  request.user = user;
  return true;
}
