import { createHash, randomBytes } from 'node:crypto';

import { DomainError } from '../../common/errors/domain-error';

/**
 * The secret of a mailed link (one-time tokens, invitations): 256 random bits in base64url; only its
 * SHA-256 is stored.
 */
export function newLinkToken(): { token: string; tokenHash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, tokenHash: hashLinkToken(token) };
}

export function hashLinkToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Whether `token` could be one `newLinkToken` made: anything else is unknown without a query. */
export function isWellFormedLinkToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}

/** 400 `invalid_token`: the answer for a link's token that is unknown, used, expired or revoked alike. */
export function invalidLinkToken(): DomainError {
  return new DomainError(
    'invalid_token',
    'This link is unknown, used already or expired; ask for a new one.',
  );
}
