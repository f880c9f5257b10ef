import { createHash, randomBytes } from 'node:crypto';

/**
 * A refresh token names its session and its place in the session's rotation, then 256 random bits:
 * `rt_<session id>.<counter>.<secret>`. Only the hash of the current one is stored. A token whose
 * counter is behind the session's was issued and spent before: presenting it means two clients hold
 * the session, so the session ends. Knowing a session id and an old counter gives nothing a holder of
 * that session's access token could not already do (log it out).
 */
export interface RefreshTokenParts {
  sessionId: string;
  counter: number;
}

const FORMAT = /^rt_([A-Za-z0-9_-]{22})\.(\d{1,9})\.[A-Za-z0-9_-]{43}$/;

export function issueRefreshToken(parts: RefreshTokenParts): string {
  const id = Buffer.from(parts.sessionId.replaceAll('-', ''), 'hex').toString('base64url');
  return `rt_${id}.${parts.counter}.${randomBytes(32).toString('base64url')}`;
}

/** The session and counter a well-formed token names; null for anything else. */
export function parseRefreshToken(token: string): RefreshTokenParts | null {
  const [, id, counter] = FORMAT.exec(token) ?? [];
  if (!id || !counter) return null;
  const hex = Buffer.from(id, 'base64url').toString('hex');
  if (hex.length !== 32) return null;
  const sessionId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { sessionId, counter: Number(counter) };
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
