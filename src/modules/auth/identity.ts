import type { Role } from '../../generated/prisma/client';
import type { AccountRole } from '../accounts/account-roles';

export type { Role };

export const API_KEY_SCOPES = ['read', 'write', 'billing', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** The account a request acts for, and the caller's role in it. */
export interface ActingAccount {
  readonly id: string;
  readonly role: AccountRole;
  readonly personal: boolean;
}

/** Who is calling: what the guards put on the request. */
export interface AuthenticatedUser {
  id: string;
  email: string;
  role: Role;
  /** The account named by X-Account-Id (a membership of the caller's), else their personal account. */
  account: ActingAccount;
  /** Set when the caller sent an access token: the session it belongs to. */
  sessionId?: string;
  /** Set when the caller authenticated with an API key: what that key may do. */
  apiKey?: { id: string; scopes: readonly ApiKeyScope[] };
}
