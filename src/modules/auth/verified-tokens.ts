import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';

const CAPACITY = 20_000;
const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/;

/** What a verified access token names. */
export interface TokenClaims {
  userId: string;
  sessionId: string;
  /** When it was signed (ms, to the second). */
  issuedAt: number;
  expiresAt: number;
}

/** Access tokens whose signature verified, with what they name, remembered until they expire. */
@Injectable()
export class VerifiedTokens {
  private readonly tokens = new LRUCache<string, TokenClaims>({ max: CAPACITY });

  static bearerToken(authorization: string | undefined): string | undefined {
    return authorization ? BEARER.exec(authorization)?.[1] : undefined;
  }

  /** The claims of a token verified before and not expired. */
  claimsOf(token: string): TokenClaims | undefined {
    const known = this.tokens.get(token);
    return known && known.expiresAt > Date.now() ? known : undefined;
  }

  remember(token: string, claims: TokenClaims): void {
    this.tokens.set(token, claims);
  }
}
