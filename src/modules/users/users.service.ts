import { Injectable } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import { Prisma, Role, User } from '../../generated/prisma/client';
import { ChangeFeed } from '../change-feed/change-feed.service';
import { SessionsService } from '../sessions/sessions.service';
import { AdminUserDto, UserDto } from './user.dto';
import { UsersRepository } from './users.repository';

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly changes: ChangeFeed,
    private readonly sessions: SessionsService,
  ) {}

  /**
   * An admin's change to a user's role or status; every instance applies it to the user's existing
   * tokens within a second. Disabling ends the user's sessions, so enabling again revives none of them.
   * 409 `last_admin` when it would leave no active admin.
   */
  async changeAccess(userId: string, change: { role?: Role; disabled?: boolean }): Promise<AdminUserDto> {
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
      if (disabled && !user.disabledAt) await this.sessions.end({ userId }, 'disabled', tx);
      await this.changes.publish({ kind: 'identity', userId }, tx);
      return saved;
    });
    return {
      ...toUserDto(updated),
      disabled: updated.disabledAt !== null,
      createdAt: updated.createdAt.toISOString(),
    };
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
  async erase(userId: string, alsoErase: (tx: Prisma.TransactionClient) => Promise<void>): Promise<void> {
    await this.changes.transaction(async (tx) => {
      await this.users.lockAdmins(tx);
      const user = await this.users.findById(userId, tx);
      if (!user || user.deletedAt) throw new DomainError('not_found', 'No such user.');
      if (user.role === 'admin' && !user.disabledAt && (await this.users.countAdmins(tx)) <= 1) {
        throw lastAdmin();
      }
      await this.users.erase(userId, tx);
      await this.sessions.end({ userId }, 'deleted', tx);
      await alsoErase(tx);
      await this.changes.publish({ kind: 'identity', userId }, tx);
    });
  }

  /** Ends all of the user's sessions (an admin's logout); false when there is no such user. */
  async endSessions(userId: string): Promise<boolean> {
    if (!(await this.users.findById(userId))) return false;
    await this.sessions.end({ userId }, 'admin_logout');
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
    await this.users.update(userId, { name });
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

  /** A page of users in id order, after `cursor`. */
  async list(
    cursor: string | undefined,
    limit: number,
  ): Promise<{ data: UserDto[]; nextCursor: string | null }> {
    const users = await this.users.page(cursor, limit + 1);
    const page = users.slice(0, limit);
    return { data: page.map(toUserDto), nextCursor: users.length > limit ? (page.at(-1)?.id ?? null) : null };
  }
}

function lastAdmin(): DomainError {
  return new DomainError('last_admin', 'This is the last active admin: make another admin first.');
}

export function toUserDto(user: User): UserDto {
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}
