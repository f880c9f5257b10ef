import { Injectable } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import type { RequestOrigin } from '../../common/http/request-origin';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { AuditLog } from '../audit/audit-log.service';
import type { AuthenticatedUser } from '../auth/identity';
import { ChangeFeed } from '../change-feed/change-feed.service';
import { PaywallService } from '../paywall/paywall.service';
import { actorAmong, sees, visibleAccountId } from './account-access';
import { accountNotFound, accountRoleRequired, lastOwner, memberNotFound } from './account-errors';
import { AccountRole, canChangeRole, canManage, canRemove, leavesNoOwner } from './account-roles';
import { AccountDto, AccountSummaryDto, InvitationDto, MemberDto, MemberListDto } from './accounts.dto';
import { AccountOfUser, AccountsRepository, LockedMember } from './accounts.repository';
import { InvitationsRepository, PendingInvitation } from './invitations.repository';
import { MembershipChanges } from './membership-changes';
import { toAccountSummary, toMemberDto } from './user-accounts.service';

/**
 * Accounts and their members, as the caller sees them: only accounts they belong to exist for them
 * (404 `account_not_found` for any other), and a request made with an API key sees only the key's
 * account. Every membership change locks the account's memberships, so the account always keeps an
 * owner, and tells every instance's identity cache about each user it concerns.
 */
@Injectable()
export class AccountsService {
  constructor(
    private readonly accounts: AccountsRepository,
    private readonly changes: ChangeFeed,
    private readonly audit: AuditLog,
    private readonly apiKeys: ApiKeysService,
    private readonly invitations: InvitationsRepository,
    private readonly paywall: PaywallService,
    private readonly membershipChanges: MembershipChanges,
  ) {}

  async create(caller: AuthenticatedUser, name: string, origin: RequestOrigin): Promise<AccountDto> {
    if (caller.apiKey) {
      throw new DomainError('forbidden_for_api_key', 'An API key acts for its own account only; sign in.');
    }
    const account = await this.changes.transaction(async (tx) => {
      const created = await this.accounts.create({ name, ownerId: caller.id, personal: false }, tx);
      await this.changes.publish({ kind: 'identity', userId: caller.id }, tx);
      await this.audit.record(
        'account.created',
        { actorId: caller.id, subjectId: caller.id, origin, details: { accountId: created.id } },
        tx,
      );
      return created;
    });
    return toAccountDto(account);
  }

  async list(caller: AuthenticatedUser): Promise<AccountSummaryDto[]> {
    const accounts = await this.accounts.accountsOf(caller.id);
    return accounts.filter((account) => sees(caller, account.id)).map(toAccountSummary);
  }

  /** Owners and admins rename an account, personal ones too. */
  async rename(caller: AuthenticatedUser, accountId: string, name: string): Promise<AccountDto> {
    const id = visibleAccountId(caller, accountId);
    const account = await this.changes.transaction(async (tx) => {
      const actor = actorAmong(await this.accounts.lockMembers(id, tx), caller);
      if (!canManage(actor.role)) throw accountRoleRequired();
      await this.accounts.rename(id, name, tx);
      // The name is in every 402 body the account's entitlements build.
      await this.changes.publish({ kind: 'entitlements', accountId: id }, tx);
      return this.accounts.accountOf(caller.id, id, tx);
    });
    if (!account) throw accountNotFound();
    return toAccountDto(account);
  }

  /** Any member reads who belongs, and who is invited. */
  async members(caller: AuthenticatedUser, accountId: string): Promise<MemberListDto> {
    const id = visibleAccountId(caller, accountId);
    if (!(await this.accounts.accountOf(caller.id, id))) throw accountNotFound();
    const [members, invitations] = await Promise.all([
      this.accounts.members(id),
      this.invitations.pending(id),
    ]);
    return { data: members.map(toMemberDto), invitations: invitations.map(toInvitationDto) };
  }

  /**
   * Owners and admins change roles; only an owner makes or unmakes an owner (403
   * `account_role_required`); demoting the last owner answers 409 `last_owner`.
   */
  async changeRole(
    caller: AuthenticatedUser,
    accountId: string,
    userId: string,
    role: AccountRole,
    origin: RequestOrigin,
  ): Promise<MemberDto> {
    const id = visibleAccountId(caller, accountId);
    await this.changes.transaction(async (tx) => {
      const members = await this.accounts.lockMembers(id, tx);
      const actor = actorAmong(members, caller);
      if (!canManage(actor.role)) throw accountRoleRequired();
      const target = members.find((member) => member.userId === userId);
      if (!target) throw memberNotFound();
      if (!canChangeRole(actor.role, target.role, role)) {
        throw accountRoleRequired('Only an owner makes someone an owner or takes it away.');
      }
      if (target.role === role) return;
      if (leavesNoOwner(rolesOf(members), target.role, role)) throw lastOwner();
      await this.accounts.setRole(id, userId, role, tx);
      await this.changes.publish({ kind: 'identity', userId }, tx);
      await this.audit.record(
        'member.role_changed',
        {
          actorId: caller.id,
          subjectId: userId,
          origin,
          details: { accountId: id, role, previousRole: target.role },
        },
        tx,
      );
    });
    const member = await this.accounts.member(id, userId);
    if (!member) throw memberNotFound();
    return toMemberDto(member);
  }

  /**
   * Owners and admins remove members, only an owner removes an owner, and anyone may leave; the last
   * owner cannot go (409 `last_owner`). The member's API keys for the account are revoked with it.
   */
  async removeMember(
    caller: AuthenticatedUser,
    accountId: string,
    userId: string,
    origin: RequestOrigin,
  ): Promise<void> {
    const id = visibleAccountId(caller, accountId);
    const leaving = userId === caller.id;
    await this.changes.transaction(async (tx) => {
      const members = await this.accounts.lockMembers(id, tx);
      const actor = actorAmong(members, caller);
      if (!leaving && !canManage(actor.role)) throw accountRoleRequired();
      const target = members.find((member) => member.userId === userId);
      if (!target) throw memberNotFound();
      if (!canRemove(actor.role, target.role, leaving)) {
        throw accountRoleRequired('Only an owner removes an owner.');
      }
      if (leavesNoOwner(rolesOf(members), target.role, null)) throw lastOwner();
      await this.accounts.remove(id, userId, tx);
      const apiKeysRevoked = await this.apiKeys.revokeForAccount(userId, id, tx);
      await this.changes.publish({ kind: 'identity', userId }, tx);
      await this.audit.record(
        'member.removed',
        {
          actorId: caller.id,
          subjectId: userId,
          origin,
          details: { accountId: id, role: target.role, left: leaving, apiKeysRevoked },
        },
        tx,
      );
    });
    await this.membershipChanges.changed(id);
  }

  /**
   * 402 `limit_reached` (feature `seats`) unless the account has room for `joining` more: every member
   * (owners too) and every pending invitation holds a seat, so invitations cannot promise more seats
   * than the plan has. An account whose entitlements have no `seats` feature, or no limit on it, is not
   * capped. Called in the transaction that holds the members' lock.
   */
  async assertSeatAvailable(
    accountId: string,
    seats: { members: number; pendingInvitations: number },
    route: string,
  ): Promise<void> {
    await this.paywall.assertRoomUnderCap(
      { accountId, route },
      SEATS_FEATURE,
      seats.members + seats.pendingInvitations,
    );
  }
}

/** The plan feature whose limit caps an account's members (SPEC, Teams and seats). */
export const SEATS_FEATURE = 'seats';

function rolesOf(members: LockedMember[]): AccountRole[] {
  return members.map((member) => member.role);
}

function toAccountDto(account: AccountOfUser): AccountDto {
  return { ...toAccountSummary(account), createdAt: account.createdAt.toISOString() };
}

export function toInvitationDto(invitation: PendingInvitation): InvitationDto {
  return {
    id: invitation.id,
    email: invitation.email,
    role: invitation.role,
    expiresAt: invitation.expiresAt.toISOString(),
  };
}
