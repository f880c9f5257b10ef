import { accountNotFound } from '../accounts/account-errors';
import type { AccountRole } from '../accounts/account-roles';
import type { ActingAccount, AuthenticatedUser } from './identity';

/** Names the account a request acts for; without it, the caller's personal account. */
export const ACCOUNT_HEADER = 'x-account-id';

export interface MembershipOfUser {
  accountId: string;
  role: AccountRole;
  personal: boolean;
}

/** A user's memberships as the requests acting for them need them: by account id, the personal one apart. */
export interface ActingAccounts {
  byId: ReadonlyMap<string, ActingAccount>;
  personal: ActingAccount | undefined;
}

export function actingAccounts(memberships: readonly MembershipOfUser[]): ActingAccounts {
  const byId = new Map<string, ActingAccount>();
  let personal: ActingAccount | undefined;
  for (const membership of memberships) {
    const account = { id: membership.accountId, role: membership.role, personal: membership.personal };
    byId.set(account.id, account);
    if (account.personal) personal = account;
  }
  return { byId, personal };
}

/**
 * One session's caller, made once for each account it acts for and then reused, so that a request
 * allocates nothing: the object for the personal account at once, another account's on its first request.
 */
export class SessionCaller {
  private readonly personal: AuthenticatedUser | undefined;
  /** By account id; made on first use, since most sessions only ever act for the personal account. */
  private named: Map<string, AuthenticatedUser> | undefined;

  constructor(
    private readonly caller: Omit<AuthenticatedUser, 'account'>,
    private readonly accounts: ActingAccounts,
  ) {
    this.personal = accounts.personal && { ...caller, account: accounts.personal };
  }

  /**
   * The caller acting for the account an X-Account-Id header names (a UUID in any case), or for their
   * personal account without one; 404 `account_not_found` when they are no member of it, whether it is
   * malformed, unknown or someone else's.
   */
  actingFor(header: string | string[] | undefined): AuthenticatedUser {
    if (header === undefined) {
      if (this.personal) return this.personal;
    } else if (typeof header === 'string') {
      const known = this.named?.get(header);
      if (known) return known;
      // Only ids of the user's accounts become keys: a flood of odd headers cannot grow the map.
      const account = this.accounts.byId.get(header.toLowerCase());
      if (account) return this.callerFor(account);
    }
    throw accountNotFound();
  }

  private callerFor(account: ActingAccount): AuthenticatedUser {
    this.named ??= new Map();
    let caller = this.named.get(account.id);
    if (!caller) {
      caller =
        account === this.accounts.personal && this.personal ? this.personal : { ...this.caller, account };
      this.named.set(account.id, caller);
    }
    return caller;
  }
}
