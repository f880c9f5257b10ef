import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import { Strategy } from 'passport-custom';

import { AuthenticatedUser } from '../users/user.types';
import { AccessTokenPayload, JWT_ALGORITHM, JWT_ISSUER } from './access-token';

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/;
const VERIFIED_TOKENS = 20_000;

/**
 * Bearer JWTs. A token that verified once is remembered until it expires, so the signature check
 * (the largest cost of an authenticated request) is paid once per token, not once per request.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  private readonly verified = new LRUCache<string, { user: AuthenticatedUser; expiresAt: number }>({
    max: VERIFIED_TOKENS,
  });

  constructor(private readonly jwt: JwtService) {
    super();
  }

  validate(request: FastifyRequest): AuthenticatedUser | false {
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    if (!token) return false;
    const known = this.verified.get(token);
    if (known && known.expiresAt > Date.now()) return known.user;
    try {
      const payload = this.jwt.verify<AccessTokenPayload & { exp: number }>(token, {
        algorithms: [JWT_ALGORITHM],
        issuer: JWT_ISSUER,
      });
      const user = { id: payload.sub, email: payload.email, role: payload.role };
      this.verified.set(token, { user, expiresAt: payload.exp * 1000 });
      return user;
    } catch {
      return false;
    }
  }
}
