/** The roles a member holds in an account (`AccountRole` in the schema). */
export const ACCOUNT_ROLES = ['owner', 'admin', 'member'] as const;
export type AccountRole = (typeof ACCOUNT_ROLES)[number];

/** Owners and admins manage an account: its name, its members' roles, who belongs. */
export function canManage(actor: AccountRole): boolean {
  return actor === 'owner' || actor === 'admin';
}

/** Owners and admins spend the account's money: checkout, portal, plan changes, cancel and resume. */
export function canBill(actor: AccountRole): boolean {
  return canManage(actor);
}

/** Owners and admins change roles; only an owner makes someone an owner or takes it away. */
export function canChangeRole(actor: AccountRole, target: AccountRole, next: AccountRole): boolean {
  if (!canManage(actor)) return false;
  return target === 'owner' || next === 'owner' ? actor === 'owner' : true;
}

/** Anyone may leave; owners and admins remove others, and only an owner removes an owner. */
export function canRemove(actor: AccountRole, target: AccountRole, self: boolean): boolean {
  return self || canChangeRole(actor, target, 'member');
}

/**
 * Whether taking `target`'s role away (`next` null: removing them) leaves the account without an
 * owner, given the roles of all its members.
 */
export function leavesNoOwner(
  roles: readonly AccountRole[],
  target: AccountRole,
  next: AccountRole | null,
): boolean {
  if (target !== 'owner' || next === 'owner') return false;
  return roles.filter((role) => role === 'owner').length <= 1;
}

/** A personal account's name: the user's name, else the part of the email before the @ (100 characters). */
export function personalAccountName(user: { name: string | null; email: string }): string {
  const name = user.name?.trim() || user.email.split('@')[0] || 'Personal';
  return Array.from(name).slice(0, 100).join('');
}

/** What an erased user's personal account is called: its name was personal data. */
export const ERASED_ACCOUNT_NAME = 'Deleted user';
