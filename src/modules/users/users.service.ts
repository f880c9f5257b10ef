import { Injectable } from '@nestjs/common';

import { User } from '../../generated/prisma/client';
import { UserDto } from './user.dto';
import { UsersRepository } from './users.repository';

@Injectable()
export class UsersService {
  constructor(private readonly users: UsersRepository) {}

  /** The user with their password hash, for authentication only. */
  findByEmail(email: string): Promise<User | null> {
    return this.users.findByEmail(email);
  }

  /** Null when the email is taken. */
  register(data: { email: string; name?: string; passwordHash: string }): Promise<User | null> {
    return this.users.create(data);
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

export function toUserDto(user: User): UserDto {
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}
