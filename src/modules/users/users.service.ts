import { Injectable } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import { User } from '../../generated/prisma/client';
import { MeDto, UserDto } from './user.dto';
import { UsersRepository } from './users.repository';

@Injectable()
export class UsersService {
  constructor(private readonly users: UsersRepository) {}

  async getProfile(userId: string): Promise<MeDto> {
    const user = await this.users.findById(userId);
    if (!user) throw new DomainError('unauthenticated', 'The account no longer exists.');
    return { ...toUserDto(user), subscription: null, entitlements: [], credits: { balance: 0 } };
  }
}

export function toUserDto(user: User): UserDto {
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}
