import { isUUID } from 'class-validator';

import type { AuthenticatedUser } from '../auth/identity';
import { accountNotFound } from './account-errors';
import type { LockedMember } from './accounts.repository';

/** The account id a path names, if the caller may see it: 404 `account_not_found` otherwise. */
export function visibleAccountId(caller: AuthenticatedUser, accountId: string): string {
  if (!isUUID(accountId)) throw accountNotFound();
  const id = accountId.toLowerCase();
  if (!sees(caller, id)) throw accountNotFound();
  return id;
}

/** A request made with an API key sees only the key's account. */
export function sees(caller: AuthenticatedUser, accountId: string): boolean {
  return !caller.apiKey || caller.account.id === accountId;
}

/** The caller among the account's locked members: 404 `account_not_found` when they are none. */
export function actorAmong(members: LockedMember[], caller: AuthenticatedUser): LockedMember {
  const actor = members.find((member) => member.userId === caller.id);
  if (!actor) throw accountNotFound();
  return actor;
}
