import { Injectable } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import type { RequestOrigin } from '../../common/http/request-origin';
import { AuditLog } from '../audit/audit-log.service';
import type { AuthenticatedUser } from '../auth/identity';
import { ChangeFeed } from '../change-feed/change-feed.service';
import { MailOutbox } from '../mail/mail-outbox.service';
import { hashLinkToken, invalidLinkToken, isWellFormedLinkToken, newLinkToken } from '../users/link-tokens';
import { UsersService } from '../users/users.service';
import { actorAmong, visibleAccountId } from './account-access';
import {
  accountNotFound,
  accountRoleRequired,
  alreadyMember,
  invitationEmailMismatch,
  invitationNotFound,
} from './account-errors';
import { AccountRole, canChangeRole, canManage } from './account-roles';
import { AcceptedInvitationDto, InvitationDto } from './accounts.dto';
import { AccountsRepository } from './accounts.repository';
import { AccountsService, toInvitationDto } from './accounts.service';
import { InvitationsRepository } from './invitations.repository';
import { MembershipChanges } from './membership-changes';

/** The routes a seats 402 names (its body's `route`). */
const INVITATIONS_ROUTE = '/v1/accounts/:id/invitations';
const ACCEPT_ROUTE = '/v1/invitations/accept';

/** SPEC: an invitation's link works for 7 days. */
export const INVITATION_TTL_MS = 7 * 24 * 3_600_000;

/**
 * Invitations to join an account: owners and admins mail one to an address, whoever signs in with that
 * address accepts it. The token is the one secret of the link (stored hashed, single-use); inviting,
 * revoking and accepting each lock the account's members, so they queue behind each other and behind
 * role changes.
 */
@Injectable()
export class InvitationsService {
  constructor(
    private readonly invitations: InvitationsRepository,
    private readonly accounts: AccountsRepository,
    private readonly accountsService: AccountsService,
    private readonly users: UsersService,
    private readonly mail: MailOutbox,
    private readonly changes: ChangeFeed,
    private readonly audit: AuditLog,
    private readonly membershipChanges: MembershipChanges,
  ) {}

  /**
   * Owners and admins invite, only an owner invites an owner (403 `account_role_required`); an address
   * of a member answers 409 `already_member`. A new invitation to an address replaces its pending one.
   */
  async invite(
    caller: AuthenticatedUser,
    accountId: string,
    invitee: { email: string; role: AccountRole },
    origin: RequestOrigin,
  ): Promise<InvitationDto> {
    const id = visibleAccountId(caller, accountId);
    await this.users.assertVerifiedWhenRequired(caller.id);
    const invitation = await this.changes.transaction(async (tx) => {
      const members = await this.accounts.lockMembers(id, tx);
      const actor = actorAmong(members, caller);
      if (!canManage(actor.role)) throw accountRoleRequired();
      if (!canChangeRole(actor.role, 'member', invitee.role)) {
        throw accountRoleRequired('Only an owner invites an owner.');
      }
      if (await this.accounts.hasMemberWithEmail(id, invitee.email, tx)) throw alreadyMember();
      // A new invitation to an address replaces its pending one: that one's seat is this one's.
      const pendingInvitations = await this.invitations.pendingCount(id, { exceptEmail: invitee.email }, tx);
      await this.accountsService.assertSeatAvailable(
        id,
        { members: members.length, pendingInvitations },
        INVITATIONS_ROUTE,
      );
      const [account, inviter] = await Promise.all([
        this.accounts.accountOf(caller.id, id, tx),
        this.accounts.member(id, caller.id),
      ]);
      if (!account || !inviter) throw accountNotFound();
      const { token, tokenHash } = newLinkToken();
      const created = await this.invitations.replace(
        {
          accountId: id,
          email: invitee.email,
          role: invitee.role,
          tokenHash,
          invitedById: caller.id,
          expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
        },
        tx,
      );
      await this.mail.enqueue(
        {
          template: 'team-invitation',
          to: invitee.email,
          cause: `invitation:${created.id}`,
          // The mail carries the inviter's name and address: erasing them erases it.
          userId: caller.id,
          params: {
            accountName: account.name,
            inviterName: inviter.name,
            inviterEmail: inviter.email,
            role: invitee.role,
            token,
          },
        },
        tx,
      );
      await this.audit.record(
        'member.invited',
        {
          actorId: caller.id,
          subjectId: null,
          origin,
          details: { accountId: id, invitationId: created.id, role: invitee.role },
        },
        tx,
      );
      return created;
    });
    return toInvitationDto(invitation);
  }

  /** Owners and admins revoke a pending invitation: its link stops working. */
  async revoke(
    caller: AuthenticatedUser,
    accountId: string,
    invitationId: string,
    origin: RequestOrigin,
  ): Promise<void> {
    const id = visibleAccountId(caller, accountId);
    await this.changes.transaction(async (tx) => {
      const actor = actorAmong(await this.accounts.lockMembers(id, tx), caller);
      if (!canManage(actor.role)) throw accountRoleRequired();
      if (!(await this.invitations.revoke(id, invitationId, tx))) throw invitationNotFound();
      await this.audit.record(
        'invitation.revoked',
        { actorId: caller.id, subjectId: null, origin, details: { accountId: id, invitationId } },
        tx,
      );
    });
  }

  /**
   * The signed-in user whose address was invited joins with the invited role. An unknown, used, revoked
   * or expired token answers 400 `invalid_token`; another user's 403 `invitation_email_mismatch`, and
   * the link keeps working for the right one.
   */
  async accept(
    caller: AuthenticatedUser,
    token: string,
    origin: RequestOrigin,
  ): Promise<AcceptedInvitationDto> {
    if (caller.apiKey) {
      throw new DomainError('forbidden_for_api_key', 'Sign in as the invited user to accept an invitation.');
    }
    if (!isWellFormedLinkToken(token)) throw invalidLinkToken();
    const tokenHash = hashLinkToken(token);
    const accountId = await this.invitations.accountOfToken(tokenHash);
    if (!accountId) throw invalidLinkToken();
    const accepted = await this.changes.transaction(async (tx) => {
      // The members first, as inviting does: then the invitation row (no deadlock with a re-invite).
      const members = await this.accounts.lockMembers(accountId, tx);
      const invitation = await this.invitations.accept(tokenHash, tx);
      if (!invitation) throw invalidLinkToken();
      if (invitation.email !== caller.email.toLowerCase()) throw invitationEmailMismatch();
      if (members.some((member) => member.userId === caller.id)) throw alreadyMember();
      // Its seat was held since the invitation; only a cap lowered meanwhile (a downgrade) refuses it.
      await this.accountsService.assertSeatAvailable(
        accountId,
        { members: members.length, pendingInvitations: 0 },
        ACCEPT_ROUTE,
      );
      await this.accounts.addMember(accountId, caller.id, invitation.role, tx);
      await this.changes.publish({ kind: 'identity', userId: caller.id }, tx);
      await this.audit.record(
        'member.joined',
        {
          actorId: caller.id,
          subjectId: caller.id,
          origin,
          details: { accountId, invitationId: invitation.id, role: invitation.role },
        },
        tx,
      );
      const account = await this.accounts.accountOf(caller.id, accountId, tx);
      if (!account) throw accountNotFound();
      return { account: { id: account.id, name: account.name, role: account.role } };
    });
    await this.membershipChanges.changed(accountId);
    return accepted;
  }
}
