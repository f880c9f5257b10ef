import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { isUUID } from 'class-validator';
import { Strategy } from 'passport-custom';

import { Role } from '../../generated/prisma/enums';
import { AuthenticatedUser } from './identity';
import { AccessTokenPayload, JWT_ALGORITHM, JWT_ISSUER } from './access-token';
import { VerifiedTokens } from './verified-tokens';

/** Bearer JWTs, verified once per token and then remembered until they expire. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    private readonly jwt: JwtService,
    private readonly verified: VerifiedTokens,
  ) {
    super();
  }

  validate(request: FastifyRequest): AuthenticatedUser | false {
    const token = VerifiedTokens.bearerToken(request.headers.authorization);
    if (!token) return false;
    const known = this.verified.get(token);
    if (known) return known;
    try {
      const payload = this.jwt.verify<AccessTokenPayload & { exp: number }>(token, {
        algorithms: [JWT_ALGORITHM],
        issuer: JWT_ISSUER,
      });
      // We always sign these; a token without them was not made by this service's login.
      if (
        !isUUID(payload.sub) ||
        !Number.isFinite(payload.exp) ||
        !Object.values(Role).includes(payload.role)
      )
        return false;
      const user = { id: payload.sub, email: payload.email, role: payload.role };
      this.verified.remember(token, user, payload.exp * 1000);
      return user;
    } catch {
      return false;
    }
  }
}
