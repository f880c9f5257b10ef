import { Injectable } from '@nestjs/common';
import { OneTimeTokenPurpose, Prisma } from '../../generated/prisma/client';
import { hashLinkToken, isWellFormedLinkToken, newLinkToken } from './link-tokens';
import { OneTimeTokensRepository } from './one-time-tokens.repository';

/** How long each kind of mailed token works (SPEC: verification 24 h, reset 1 h). */
export const ONE_TIME_TOKEN_TTL_MS: Record<OneTimeTokenPurpose, number> = {
  verify_email: 24 * 3_600_000,
  reset_password: 3_600_000,
  change_email: 24 * 3_600_000,
};

/**
 * Single-use tokens for links sent by mail: 256 random bits, stored as a SHA-256 hash, expiring, and
 * replaced (not added to) when a new one of the same purpose is issued.
 */
@Injectable()
export class OneTimeTokens {
  constructor(private readonly tokens: OneTimeTokensRepository) {}

  /** A new token for the user and address; the user's earlier unused ones of this purpose stop working. */
  async issue(
    userId: string,
    purpose: OneTimeTokenPurpose,
    email: string,
    tx: Prisma.TransactionClient,
  ): Promise<string> {
    const { token, tokenHash } = newLinkToken();
    await this.tokens.retire(userId, purpose, tx);
    await this.tokens.create(
      {
        tokenHash,
        userId,
        purpose,
        email,
        expiresAt: new Date(Date.now() + ONE_TIME_TOKEN_TTL_MS[purpose]),
      },
      tx,
    );
    return token;
  }

  /** Spends the token: whom and which address it was for, or null when unknown, used or expired. */
  consume(
    token: string,
    purpose: OneTimeTokenPurpose,
    tx: Prisma.TransactionClient,
  ): Promise<{ userId: string; email: string } | null> {
    if (!isWellFormedLinkToken(token)) return Promise.resolve(null);
    return this.tokens.consume(hashLinkToken(token), purpose, tx);
  }
}
