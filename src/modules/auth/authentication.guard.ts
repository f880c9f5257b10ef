import { ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';

import { DomainError } from '../../common/errors/domain-error';
import { AuthenticatedUser } from '../users/user.types';
import { VerifiedTokens } from './verified-tokens';

/** A bearer JWT or an X-API-Key; 401 problem when neither authenticates. */
@Injectable()
export class AuthenticationGuard extends AuthGuard(['jwt', 'api-key']) {
  constructor(private readonly verified: VerifiedTokens) {
    super();
  }

  /** A token that Passport's JWT strategy verified before needs no second round through Passport. */
  override canActivate(context: ExecutionContext): Promise<boolean> | boolean {
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
    if (error) throw error;
    if (!user) {
      throw new DomainError(
        'unauthenticated',
        'Send a valid bearer token (Authorization header) or an X-API-Key.',
      );
    }
    return user;
  }
}
