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

export function alreadyMember(): DomainError {
  return new DomainError('already_member', 'This address belongs to a member of the account already.');
}

export function invitationEmailMismatch(): DomainError {
  return new DomainError(
    'invitation_email_mismatch',
    'This invitation was sent to another email address: sign in as that user to accept it.',
  );
}

export function invitationNotFound(): DomainError {
  return new DomainError('not_found', 'No such pending invitation in this account.');
}
