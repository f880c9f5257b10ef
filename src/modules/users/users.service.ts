import { Injectable } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import { User } from '../../generated/prisma/client';
import { EntitlementViewService } from '../entitlements/entitlement-view.service';
import { MeDto, UserDto } from './user.dto';
import { UsersRepository } from './users.repository';

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly entitlementView: EntitlementViewService,
  ) {}

  async getProfile(userId: string): Promise<MeDto> {
    const user = await this.users.findById(userId);
    if (!user) throw new DomainError('unauthenticated', 'The account no longer exists.');
    const { entitlements, view } = await this.entitlementView.forUser(userId);
    return {
      ...toUserDto(user),
      subscription: entitlements.subscription,
      entitlements: view,
      credits: { balance: entitlements.creditBalance },
    };
  }
}

export function toUserDto(user: User): UserDto {
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}
