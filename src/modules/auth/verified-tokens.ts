import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';

import { AuthenticatedUser } from './identity';

const CAPACITY = 20_000;
const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/;

/** Access tokens whose signature verified, remembered until they expire. */
@Injectable()
export class VerifiedTokens {
  private readonly tokens = new LRUCache<string, { user: AuthenticatedUser; expiresAt: number }>({
    max: CAPACITY,
  });

  static bearerToken(authorization: string | undefined): string | undefined {
    return authorization ? BEARER.exec(authorization)?.[1] : undefined;
  }

  get(token: string): AuthenticatedUser | undefined {
    const known = this.tokens.get(token);
    return known && known.expiresAt > Date.now() ? known.user : undefined;
  }

  remember(token: string, user: AuthenticatedUser, expiresAt: number): void {
    this.tokens.set(token, { user, expiresAt });
  }
}
