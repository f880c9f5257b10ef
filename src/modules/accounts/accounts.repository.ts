import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';
import { AccountRole, Prisma } from '../../generated/prisma/client';

export interface AccountOfUser {
  id: string;
  name: string;
  personal: boolean;
  createdAt: Date;
  role: AccountRole;
  joinedAt: Date;
}

export interface MemberOfAccount {
  userId: string;
  email: string;
  name: string | null;
  role: AccountRole;
  joinedAt: Date;
}

export interface LockedMember {
  userId: string;
  role: AccountRole;
}

/** An owner or admin of an account: who its billing and usage mails go to. */
export interface BillingContact {
  accountId: string;
  accountName: string;
  userId: string;
  email: string;
  name: string | null;
}

/** A team the user belongs to, with what their leaving would take from it. */
export interface TeamOfUser {
  accountId: string;
  role: AccountRole;
  owners: number;
  members: number;
}

const ACCOUNT_OF_USER = {
  role: true,
  joinedAt: true,
  account: { select: { id: true, name: true, personal: true, createdAt: true } },
} as const;

function toAccountOfUser(row: {
  role: AccountRole;
  joinedAt: Date;
  account: { id: string; name: string; personal: boolean; createdAt: Date };
}): AccountOfUser {
  return { ...row.account, role: row.role, joinedAt: row.joinedAt };
}

@Injectable()
export class AccountsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** A new account with `userId` as its owner; personal ones are tied to that user. */
  async create(
    data: { name: string; ownerId: string; personal: boolean },
    tx: Prisma.TransactionClient,
  ): Promise<AccountOfUser> {
    const membership = await tx.membership.create({
      data: {
        role: 'owner',
        user: { connect: { id: data.ownerId } },
        account: {
          create: {
            name: data.name,
            personal: data.personal,
            personalUserId: data.personal ? data.ownerId : null,
          },
        },
      },
      select: ACCOUNT_OF_USER,
    });
    return toAccountOfUser(membership);
  }

  /** The user's accounts, the personal one first, then in the order they joined. */
  async accountsOf(userId: string): Promise<AccountOfUser[]> {
    const rows = await this.prisma.membership.findMany({
      where: { userId },
      select: ACCOUNT_OF_USER,
      orderBy: [{ account: { personal: 'desc' } }, { joinedAt: 'asc' }, { accountId: 'asc' }],
    });
    return rows.map(toAccountOfUser);
  }

  /** The user's account, with their role in it; null when they are no member. */
  async accountOf(
    userId: string,
    accountId: string,
    tx: Prisma.TransactionClient = this.prisma,
  ): Promise<AccountOfUser | null> {
    const row = await tx.membership.findUnique({
      where: { accountId_userId: { accountId, userId } },
      select: ACCOUNT_OF_USER,
    });
    return row ? toAccountOfUser(row) : null;
  }

  /** What the identity cache keeps of a user's memberships: one query. */
  membershipsOf(userId: string): Promise<{ accountId: string; role: AccountRole; personal: boolean }[]> {
    return this.prisma.$queryRaw`
      SELECT m.account_id AS "accountId", m.role, a.personal
        FROM memberships m JOIN accounts a ON a.id = m.account_id
       WHERE m.user_id = ${userId}::uuid`;
  }

  async members(accountId: string): Promise<MemberOfAccount[]> {
    const rows = await this.prisma.membership.findMany({
      where: { accountId },
      select: { userId: true, role: true, joinedAt: true, user: { select: { email: true, name: true } } },
      orderBy: [{ joinedAt: 'asc' }, { userId: 'asc' }],
    });
    return rows.map(({ user, ...membership }) => ({ ...membership, ...user }));
  }

  async member(accountId: string, userId: string): Promise<MemberOfAccount | null> {
    const row = await this.prisma.membership.findUnique({
      where: { accountId_userId: { accountId, userId } },
      select: { userId: true, role: true, joinedAt: true, user: { select: { email: true, name: true } } },
    });
    return row && { userId: row.userId, role: row.role, joinedAt: row.joinedAt, ...row.user };
  }

  /**
   * Locks the account's memberships until `tx` ends (in one order, so concurrent lockers queue instead
   * of deadlocking) and answers them: two changes cannot both count an owner the other removes.
   */
  lockMembers(accountId: string, tx: Prisma.TransactionClient): Promise<LockedMember[]> {
    return tx.$queryRaw`
      SELECT user_id AS "userId", role FROM memberships
       WHERE account_id = ${accountId}::uuid ORDER BY user_id FOR UPDATE`;
  }

  find(accountId: string) {
    return this.prisma.account.findUnique({
      where: { id: accountId },
      select: { id: true, name: true, personal: true, createdAt: true },
    });
  }

  async personalAccountOf(userId: string): Promise<string | null> {
    const account = await this.prisma.account.findUnique({
      where: { personalUserId: userId },
      select: { id: true },
    });
    return account?.id ?? null;
  }

  /** Accounts the user alone belongs to: their personal account and teams nobody else joined. */
  async soleAccountsOf(userId: string): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<{ accountId: string }[]>`
      SELECT m.account_id AS "accountId" FROM memberships m
       WHERE m.user_id = ${userId}::uuid
         AND NOT EXISTS (SELECT 1 FROM memberships o WHERE o.account_id = m.account_id AND o.user_id <> m.user_id)`;
    return rows.map((row) => row.accountId);
  }

  async rename(accountId: string, name: string, tx: Prisma.TransactionClient): Promise<void> {
    await tx.account.update({ where: { id: accountId }, data: { name } });
  }

  async renamePersonal(userId: string, name: string, tx: Prisma.TransactionClient): Promise<void> {
    await tx.account.updateMany({ where: { personalUserId: userId }, data: { name } });
  }

  async setRole(
    accountId: string,
    userId: string,
    role: AccountRole,
    tx: Prisma.TransactionClient,
  ): Promise<void> {
    await tx.membership.update({ where: { accountId_userId: { accountId, userId } }, data: { role } });
  }

  /** Whether a member of the account has this (lower-cased) email. */
  async hasMemberWithEmail(accountId: string, email: string, tx: Prisma.TransactionClient): Promise<boolean> {
    return (await tx.membership.count({ where: { accountId, user: { email } } })) > 0;
  }

  async addMember(
    accountId: string,
    userId: string,
    role: AccountRole,
    tx: Prisma.TransactionClient,
  ): Promise<void> {
    await tx.membership.create({ data: { accountId, userId, role } });
  }

  async remove(accountId: string, userId: string, tx: Prisma.TransactionClient): Promise<void> {
    await tx.membership.delete({ where: { accountId_userId: { accountId, userId } } });
  }

  /** The owners and admins of the accounts who can sign in (neither disabled nor erased). */
  billingContactsOf(
    accountIds: string[],
    tx: Prisma.TransactionClient = this.prisma,
  ): Promise<BillingContact[]> {
    return tx.$queryRaw`
      SELECT m.account_id AS "accountId", a.name AS "accountName", u.id AS "userId", u.email, u.name
        FROM memberships m JOIN accounts a ON a.id = m.account_id JOIN users u ON u.id = m.user_id
       WHERE m.account_id = ANY(${accountIds}::uuid[]) AND m.role IN ('owner', 'admin')
         AND u.disabled_at IS NULL
       ORDER BY m.account_id, u.id`;
  }

  /** The teams (not personal accounts) the user belongs to, with their owner and member counts. */
  teamsOf(userId: string, tx: Prisma.TransactionClient = this.prisma): Promise<TeamOfUser[]> {
    return tx.$queryRaw`
      SELECT m.account_id AS "accountId", m.role,
             (SELECT count(*)::int FROM memberships o WHERE o.account_id = m.account_id AND o.role = 'owner') AS owners,
             (SELECT count(*)::int FROM memberships o WHERE o.account_id = m.account_id) AS members
        FROM memberships m JOIN accounts a ON a.id = m.account_id
       WHERE m.user_id = ${userId}::uuid AND NOT a.personal
       ORDER BY m.account_id`;
  }
}
