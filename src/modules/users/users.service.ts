import { Injectable } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import type { RequestOrigin } from '../../common/http/request-origin';
import { AppConfig } from '../../config/app-config';
import { Prisma, Role, User } from '../../generated/prisma/client';
import { UserAccountsService } from '../accounts/user-accounts.service';
import { AuditLog } from '../audit/audit-log.service';
import { ChangeFeed } from '../change-feed/change-feed.service';
import { SessionsService } from '../sessions/sessions.service';
import { decodeUserSearchCursor, encodeUserSearchCursor, escapeLikePattern } from './user-search-cursor';
import { AdminUserDto, UserDto } from './user.dto';
import { NewUser, UsersRepository } from './users.repository';

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly changes: ChangeFeed,
    private readonly sessions: SessionsService,
    private readonly audit: AuditLog,
    private readonly config: AppConfig,
    private readonly accounts: UserAccountsService,
  ) {}

  /** 403 `email_not_verified` when REQUIRE_VERIFIED_EMAIL is set and the user has not confirmed theirs. */
  async assertVerifiedWhenRequired(userId: string): Promise<void> {
    if (!this.config.env.REQUIRE_VERIFIED_EMAIL) return;
    const user = await this.users.findById(userId);
    if (!user?.emailVerifiedAt) {
      throw new DomainError(
        'email_not_verified',
        'Confirm your email address first (POST /v1/auth/verify-email/resend sends the link again).',
      );
    }
  }

  /**
   * An admin's change to a user's role or status; every instance applies it to the user's existing
   * tokens within a second. Disabling ends the user's sessions, so enabling again revives none of them.
   * 409 `last_admin` when it would leave no active admin. Audited in the same transaction:
   * `user.role_changed`, `user.disabled`, `user.enabled`.
   */
  async changeAccess(
    userId: string,
    change: { role?: Role; disabled?: boolean },
    by: { adminId: string; origin: RequestOrigin },
  ): Promise<AdminUserDto> {
    const updated = await this.changes.transaction(async (tx) => {
      await this.users.lockAdmins(tx);
      const user = await this.users.findById(userId, tx);
      if (!user || user.deletedAt) throw new DomainError('not_found', 'No such user.');
      const role = change.role ?? user.role;
      const disabled = change.disabled ?? user.disabledAt !== null;
      const wasActiveAdmin = user.role === 'admin' && user.disabledAt === null;
      if (wasActiveAdmin && (role !== 'admin' || disabled) && (await this.users.countAdmins(tx)) <= 1) {
        throw lastAdmin();
      }
      const saved = await this.users.update(
        userId,
        { role, disabledAt: disabled ? (user.disabledAt ?? new Date()) : null },
        tx,
      );
      if (disabled && !user.disabledAt) await this.sessions.end({ userId }, 'disabled', { tx });
      await this.changes.publish({ kind: 'identity', userId }, tx);
      const entry = { actorId: by.adminId, subjectId: userId, origin: by.origin };
      if (role !== user.role) {
        await this.audit.record(
          'user.role_changed',
          { ...entry, details: { role, previousRole: user.role } },
          tx,
        );
      }
      if (disabled !== (user.disabledAt !== null)) {
        await this.audit.record(disabled ? 'user.disabled' : 'user.enabled', entry, tx);
      }
      return saved;
    });
    return toAdminUserDto(updated);
  }

  /** Refuses (404, 409 `last_admin`) what `erase` would refuse, before anything outside is changed. */
  async assertErasable(userId: string): Promise<void> {
    const user = await this.users.findById(userId);
    if (!user || user.deletedAt) throw new DomainError('not_found', 'No such user.');
    if (user.role === 'admin' && !user.disabledAt && (await this.users.countAdmins()) <= 1) {
      throw lastAdmin();
    }
  }

  /**
   * Deletes the account: name and email erased (the email can sign up again), sessions ended, and
   * whatever `alsoErase` removes in the same transaction (keys, mail); every instance refuses the
   * user's tokens within a second. Billing records stay, without personal data.
   */
  async erase(
    userId: string,
    alsoErase: (tx: Prisma.TransactionClient, erased: User) => Promise<void>,
  ): Promise<void> {
    await this.changes.transaction(async (tx) => {
      await this.users.lockAdmins(tx);
      const user = await this.users.findById(userId, tx);
      if (!user || user.deletedAt) throw new DomainError('not_found', 'No such user.');
      if (user.role === 'admin' && !user.disabledAt && (await this.users.countAdmins(tx)) <= 1) {
        throw lastAdmin();
      }
      await this.users.erase(userId, tx);
      await this.sessions.end({ userId }, 'deleted', { tx });
      await alsoErase(tx, user);
      await this.changes.publish({ kind: 'identity', userId }, tx);
    });
  }

  /** Ends all of the user's sessions (an admin's logout); false when there is no such user. */
  async endSessions(userId: string, by: { adminId: string; origin: RequestOrigin }): Promise<boolean> {
    if (!(await this.users.findById(userId))) return false;
    await this.sessions.end({ userId }, 'admin_logout', { by: { actorId: by.adminId, origin: by.origin } });
    return true;
  }

  /** The user with their password hash, for authentication only. */
  findByEmail(email: string): Promise<User | null> {
    return this.users.findByEmail(email);
  }

  /** The user with their password hash, for confirming a sensitive change; null when gone. */
  async findWithPassword(userId: string): Promise<User | null> {
    const user = await this.users.findById(userId);
    return user && !user.deletedAt ? user : null;
  }

  async rename(userId: string, name: string | null): Promise<void> {
    await this.changes.transaction(async (tx) => {
      await this.users.update(userId, { name }, tx);
      await this.changes.publish({ kind: 'identity', userId }, tx);
    });
  }

  /**
   * The one way a user is made: with their personal account, which they own, in one transaction (the
   * caller's, or one of its own). Null when the email is taken.
   */
  async register(data: NewUser, tx?: Prisma.TransactionClient): Promise<User | null> {
    if (!tx) return this.changes.transaction((own) => this.register(data, own));
    const user = await this.users.create(data, tx);
    if (user) await this.accounts.createPersonal(user, tx);
    return user;
  }

  async setPassword(userId: string, passwordHash: string, tx: Prisma.TransactionClient): Promise<void> {
    await this.users.update(userId, { passwordHash }, tx);
  }

  async markEmailVerified(userId: string, tx: Prisma.TransactionClient): Promise<void> {
    await this.users.update(userId, { emailVerifiedAt: new Date() }, tx);
    await this.changes.publish({ kind: 'identity', userId }, tx);
  }

  /** The new address, confirmed; false when another account has it. */
  changeEmail(userId: string, email: string, tx: Prisma.TransactionClient): Promise<boolean> {
    return this.users.changeEmail(userId, email, tx);
  }

  /** The user as stored (deleted ones too), in a transaction. */
  findInTransaction(userId: string, tx: Prisma.TransactionClient): Promise<User | null> {
    return this.users.findById(userId, tx);
  }

  /** Who the user is for authentication: null when there is no such user. */
  identity(userId: string) {
    return this.users.identity(userId);
  }

  async find(userId: string): Promise<UserDto | null> {
    const user = await this.users.findById(userId);
    return user ? toUserDto(user) : null;
  }

  async exists(userId: string): Promise<boolean> {
    return (await this.users.findById(userId)) !== null;
  }

  /**
   * A page of users in email order, after `cursor`; with `emailPrefix`, only the emails that start with it
   * (any case, `%` and `_` taken literally).
   */
  async search(
    emailPrefix: string | undefined,
    cursor: string | undefined,
    limit: number,
  ): Promise<{ data: AdminUserDto[]; nextCursor: string | null }> {
    const afterEmail = cursor === undefined ? undefined : decodeUserSearchCursor(cursor);
    if (afterEmail === null) {
      throw DomainError.validation([{ field: 'cursor', message: 'cursor must be a nextCursor value' }]);
    }
    const pattern = emailPrefix ? escapeLikePattern(emailPrefix) : undefined;
    const users = await this.users.searchByEmail(pattern, afterEmail, limit + 1);
    const page = users.slice(0, limit);
    const last = page.at(-1);
    return {
      data: page.map(toAdminUserDto),
      nextCursor: users.length > limit && last ? encodeUserSearchCursor(last.email) : null,
    };
  }
}

function lastAdmin(): DomainError {
  return new DomainError('last_admin', 'This is the last active admin: make another admin first.');
}

export function toUserDto(user: User): UserDto {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    emailVerified: user.emailVerifiedAt !== null,
  };
}

export function toAdminUserDto(user: User): AdminUserDto {
  return { ...toUserDto(user), disabled: user.disabledAt !== null, createdAt: user.createdAt.toISOString() };
}
