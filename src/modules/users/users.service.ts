import { Injectable } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import type { RequestOrigin } from '../../common/http/request-origin';
import { Role, User } from '../../generated/prisma/client';
import { AuditLog } from '../audit/audit-log.service';
import { ChangeFeed } from '../change-feed/change-feed.service';
import { decodeUserSearchCursor, encodeUserSearchCursor, escapeLikePattern } from './user-search-cursor';
import { AdminUserDto, UserDto } from './user.dto';
import { UsersRepository } from './users.repository';

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly changes: ChangeFeed,
    private readonly audit: AuditLog,
  ) {}

  /**
   * An admin's change to a user's role or status; every instance applies it to the user's existing
   * tokens within a second. 409 `last_admin` when it would leave no active admin. Audited in the same
   * transaction: `user.role_changed`, `user.disabled`, `user.enabled`.
   */
  async changeAccess(
    userId: string,
    change: { role?: Role; disabled?: boolean },
    by: { adminId: string; origin: RequestOrigin },
  ): Promise<AdminUserDto> {
    const updated = await this.changes.transaction(async (tx) => {
      await this.users.lockAdmins(tx);
      const user = await this.users.findById(userId, tx);
      if (!user) throw new DomainError('not_found', 'No such user.');
      const role = change.role ?? user.role;
      const disabled = change.disabled ?? user.disabledAt !== null;
      const wasActiveAdmin = user.role === 'admin' && user.disabledAt === null;
      if (wasActiveAdmin && (role !== 'admin' || disabled) && (await this.users.countAdmins(tx)) <= 1) {
        throw new DomainError('last_admin', 'This is the last active admin: make another admin first.');
      }
      const saved = await this.users.update(
        userId,
        { role, disabledAt: disabled ? (user.disabledAt ?? new Date()) : null },
        tx,
      );
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

  /** The user with their password hash, for authentication only. */
  findByEmail(email: string): Promise<User | null> {
    return this.users.findByEmail(email);
  }

  /** Null when the email is taken. */
  register(data: { email: string; name?: string; passwordHash: string }): Promise<User | null> {
    return this.users.create(data);
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
