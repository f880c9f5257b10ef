import { Injectable } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import { EntitlementViewService } from '../paywall/entitlement-view.service';
import { UsersService } from '../users/users.service';
import { MeDto } from './account.dto';

/** The calling user's own account: profile, subscription, entitlements, credits. */
@Injectable()
export class AccountService {
  constructor(
    private readonly users: UsersService,
    private readonly entitlementView: EntitlementViewService,
  ) {}

  async profile(userId: string): Promise<MeDto> {
    const user = await this.users.find(userId);
    if (!user) throw new DomainError('unauthenticated', 'The account no longer exists.');
    const { entitlements, view } = await this.entitlementView.forUser(userId);
    return {
      ...user,
      subscription: entitlements.subscription,
      entitlements: view,
      credits: { balance: entitlements.creditBalance },
    };
  }
}
