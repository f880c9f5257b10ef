import { DomainError } from '../../common/errors/domain-error';

/** Malformed, unknown, or not the caller's: the answer never says which. */
export function accountNotFound(): DomainError {
  return new DomainError('account_not_found', 'No such account among yours.');
}

export function accountRoleRequired(
  detail = 'This needs the owner or admin role in the account.',
): DomainError {
  return new DomainError('account_role_required', detail);
}

export function lastOwner(): DomainError {
  return new DomainError(
    'last_owner',
    'This is the account’s last owner: make another member an owner first.',
  );
}

export function memberNotFound(): DomainError {
  return new DomainError('not_found', 'No such member of this account.');
}
