import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';

const CAPACITY = 20_000;
const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/;

/** Access tokens whose signature verified, with the user they name, remembered until they expire. */
@Injectable()
export class VerifiedTokens {
  private readonly tokens = new LRUCache<string, { userId: string; expiresAt: number }>({ max: CAPACITY });

  static bearerToken(authorization: string | undefined): string | undefined {
    return authorization ? BEARER.exec(authorization)?.[1] : undefined;
  }

  /** The user id of a token verified before and not expired. */
  userIdOf(token: string): string | undefined {
    const known = this.tokens.get(token);
    return known && known.expiresAt > Date.now() ? known.userId : undefined;
  }

  remember(token: string, userId: string, expiresAt: number): void {
    this.tokens.set(token, { userId, expiresAt });
  }
}
