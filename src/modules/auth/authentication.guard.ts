import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';

import { DomainError } from '../../common/errors/domain-error';
import { IS_PUBLIC } from './auth.decorators';
import { AuthenticatedUser } from './identity';
import { RouteMetadata } from './route-metadata';
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
  ) {
    super();
  }

  /** A token that Passport's JWT strategy verified before needs no second round through Passport. */
  override canActivate(context: ExecutionContext): Promise<boolean> | boolean {
    if (this.isPublic.of(this.reflector, context)) return true;
    const request = context
      .switchToHttp()
      .getRequest<{ headers: { authorization?: string }; user?: AuthenticatedUser }>();
    const token = VerifiedTokens.bearerToken(request.headers.authorization);
    const user = token ? this.verified.get(token) : undefined;
    if (user) {
      request.user = user;
      return true;
    }
    return super.canActivate(context) as Promise<boolean>;
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
