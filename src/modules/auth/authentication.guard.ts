import { Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';

import { DomainError } from '../../common/errors/domain-error';

/** A bearer JWT or an X-API-Key; 401 problem when neither authenticates. */
@Injectable()
export class AuthenticationGuard extends AuthGuard(['jwt', 'api-key']) {
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
