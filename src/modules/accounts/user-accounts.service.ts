import { Injectable } from '@nestjs/common';

import { Prisma } from '../../generated/prisma/client';
import type { MembershipOfUser } from '../auth/acting-account';
import { lastOwner } from './account-errors';
import { ERASED_ACCOUNT_NAME, leavesNoOwner, personalAccountName } from './account-roles';
import { AccountSummaryDto, MemberDto } from './accounts.dto';

export interface AdminAccountView {
  id: string;
  name: string;
  personal: boolean;
  createdAt: string;
  members: MemberDto[];
}
import { AccountsRepository, BillingContact, MemberOfAccount } from './accounts.repository';

/**
 * A user's accounts as the other modules need them: the personal account made with the user, the
 * memberships that authentication caches, the list `/v1/me` shows, and what erasing the user does.
 */
@Injectable()
export class UserAccountsService {
  constructor(private readonly accounts: AccountsRepository) {}

  /** In the transaction that creates the user: nobody exists without a personal account they own. */
  async createPersonal(
    user: { id: string; name: string | null; email: string },
    tx: Prisma.TransactionClient,
  ): Promise<void> {
    await this.accounts.create({ name: personalAccountName(user), ownerId: user.id, personal: true }, tx);
  }

  membershipsOf(userId: string): Promise<MembershipOfUser[]> {
    return this.accounts.membershipsOf(userId);
  }

  /** The user's personal account (what `/v1/admin/users/:id/...` and the user's data export are about). */
  async personalAccountOf(userId: string): Promise<string> {
    const accountId = await this.accounts.personalAccountOf(userId);
    if (!accountId) throw new Error(`User ${userId} has no personal account`);
    return accountId;
  }

  /** Any account with its members, as an admin sees it; null when there is no such account. */
  async describe(accountId: string): Promise<AdminAccountView | null> {
    const account = await this.accounts.find(accountId);
    if (!account) return null;
    const members = await this.accounts.members(accountId);
    return {
      id: account.id,
      name: account.name,
      personal: account.personal,
      createdAt: account.createdAt.toISOString(),
      members: members.map(toMemberDto),
    };
  }

  /** Who billing and usage mails of the accounts go to: their owners and admins (not disabled). */
  billingContactsOf(accountIds: string[], tx?: Prisma.TransactionClient): Promise<BillingContact[]> {
    return this.accounts.billingContactsOf(accountIds, tx);
  }

  /** What erasing the user stops billing for: the accounts nobody else belongs to. */
  soleAccountsOf(userId: string): Promise<string[]> {
    return this.accounts.soleAccountsOf(userId);
  }

  async accountsOf(userId: string): Promise<AccountSummaryDto[]> {
    return (await this.accounts.accountsOf(userId)).map(toAccountSummary);
  }

  /** 409 `last_owner` while the user is the only owner of a team that has other members. */
  async assertErasable(userId: string): Promise<void> {
    const teams = await this.accounts.teamsOf(userId);
    if (teams.some((team) => team.members > 1 && team.role === 'owner' && team.owners <= 1)) {
      throw lastOwner();
    }
  }

  /**
   * In the transaction that erases the user: they leave every team they share with others (409
   * `last_owner` as the only owner of one), and their personal account loses its name. Accounts they
   * alone belong to keep them as owner, with the records tied to them. Answers the teams they left.
   */
  async erase(userId: string, tx: Prisma.TransactionClient): Promise<string[]> {
    const left: string[] = [];
    for (const team of await this.accounts.teamsOf(userId, tx)) {
      const members = await this.accounts.lockMembers(team.accountId, tx);
      const self = members.find((member) => member.userId === userId);
      if (!self || members.length === 1) continue;
      const roles = members.map((member) => member.role);
      if (leavesNoOwner(roles, self.role, null)) throw lastOwner();
      await this.accounts.remove(team.accountId, userId, tx);
      left.push(team.accountId);
    }
    await this.accounts.renamePersonal(userId, ERASED_ACCOUNT_NAME, tx);
    return left;
  }
}

export function toAccountSummary(account: {
  id: string;
  name: string;
  personal: boolean;
  role: AccountSummaryDto['role'];
}): AccountSummaryDto {
  return { id: account.id, name: account.name, personal: account.personal, role: account.role };
}

export function toMemberDto(member: MemberOfAccount): MemberDto {
  return {
    userId: member.userId,
    email: member.email,
    name: member.name,
    role: member.role,
    joinedAt: member.joinedAt.toISOString(),
  };
}
