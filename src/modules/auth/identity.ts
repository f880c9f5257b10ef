import type { Role } from '../../generated/prisma/client';

export type { Role };

export const API_KEY_SCOPES = ['read', 'write', 'billing', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** Who is calling: what the guards put on the request. */
export interface AuthenticatedUser {
  id: string;
  email: string;
  role: Role;
  /** Set when the caller sent an access token: the session it belongs to. */
  sessionId?: string;
  /** Set when the caller authenticated with an API key: what that key may do. */
  apiKey?: { id: string; scopes: readonly ApiKeyScope[] };
}
