import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { isUUID } from 'class-validator';
import { Strategy } from 'passport-custom';

import { AuthenticatedUser } from './identity';
import { DomainError } from '../../common/errors/domain-error';
import { Role } from '../../generated/prisma/enums';
import { AccessTokenPayload, JWT_ALGORITHM, JWT_ISSUER } from './access-token';
import { IdentityCache } from './identity-cache.service';
import { VerifiedTokens } from './verified-tokens';

/**
 * Bearer JWTs: the signature is verified once per token (then remembered until it expires); who the
 * user is and what role they have are read from server state (`IdentityCache`), never from the token.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    private readonly jwt: JwtService,
    private readonly verified: VerifiedTokens,
    private readonly identities: IdentityCache,
  ) {
    super();
  }

  async validate(request: FastifyRequest): Promise<AuthenticatedUser | false> {
    const token = VerifiedTokens.bearerToken(request.headers.authorization);
    if (!token) return false;
    const userId = this.verified.userIdOf(token) ?? this.verify(token);
    if (!userId) return false;
    const user = await this.identities.resolve(userId);
    if (!user) throw sessionRevoked();
    return user;
  }

  private verify(token: string): string | undefined {
    try {
      const payload = this.jwt.verify<AccessTokenPayload & { exp: number }>(token, {
        algorithms: [JWT_ALGORITHM],
        issuer: JWT_ISSUER,
      });
      // We always sign these; a token without them was not made by this service's login.
      // (The role claim is checked as login writes it, but never trusted: the identity cache says.)
      if (
        !isUUID(payload.sub) ||
        !Number.isFinite(payload.exp) ||
        !Object.values(Role).includes(payload.role)
      ) {
        return undefined;
      }
      this.verified.remember(token, payload.sub, payload.exp * 1000);
      return payload.sub;
    } catch {
      return undefined;
    }
  }
}

export function sessionRevoked(): DomainError {
  return new DomainError(
    'session_revoked',
    'This account was disabled or deleted; its tokens no longer work.',
  );
}
