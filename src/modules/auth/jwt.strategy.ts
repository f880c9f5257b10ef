import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { isUUID } from 'class-validator';
import { Strategy } from 'passport-custom';

import { sessionEnded } from '../sessions/sessions.service';
import { ACCOUNT_HEADER } from './acting-account';
import { AuthenticatedUser } from './identity';
import { AccessTokenPayload, JWT_ALGORITHM, JWT_ISSUER } from './access-token';
import { IdentityCache } from './identity-cache.service';
import { TokenClaims, VerifiedTokens } from './verified-tokens';

/**
 * Bearer JWTs: the signature is verified once per token (then remembered until it expires); who the
 * user is, what role they have and whether the token's session is live are read from server state
 * (`IdentityCache`), never from the token.
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
    const claims = this.verified.claimsOf(token) ?? this.verify(token);
    if (!claims) return false;
    const user = await this.identities.resolve(claims, request.headers[ACCOUNT_HEADER]);
    if (!user) throw sessionEnded();
    return user;
  }

  private verify(token: string): TokenClaims | undefined {
    try {
      const payload = this.jwt.verify<AccessTokenPayload & { exp: number; iat: number }>(token, {
        algorithms: [JWT_ALGORITHM],
        issuer: JWT_ISSUER,
      });
      // We always sign these; a token without them was not made by this service's sign-in.
      if (
        !isUUID(payload.sub) ||
        !isUUID(payload.sid) ||
        !Number.isFinite(payload.exp) ||
        !Number.isFinite(payload.iat)
      ) {
        return undefined;
      }
      const claims = {
        userId: payload.sub,
        sessionId: payload.sid,
        issuedAt: payload.iat * 1000,
        expiresAt: payload.exp * 1000,
      };
      this.verified.remember(token, claims);
      return claims;
    } catch {
      return undefined;
    }
  }
}
