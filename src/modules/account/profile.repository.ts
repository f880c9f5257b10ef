import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';
import { AccountSummaryDto } from '../accounts/accounts.dto';
import { PROJECTS_FEATURE } from '../projects/projects.feature';
import type { FlushedUse } from '../quotas/quota-period';
import { UserDto } from '../users/user.dto';
import { PROFILE } from './profile.sql';

export interface ProfileRow extends UserDto {
  /** The user's accounts, the personal one first, then in the order they joined. */
  accounts: AccountSummaryDto[];
  /** Uses the statement counted, by feature (the rows of limited features). */
  counted: Map<string, number>;
  /** Read here, not from the cached entitlements: a spend changes it without telling the cache. */
  creditBalance: number;
  /** What all instances flushed of each quota asked for, in its current period. */
  quotaUses: FlushedUse[];
}

@Injectable()
export class ProfileRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The profile of the user acting for the account, with these quotas' uses; null if the user is gone. */
  async profile(
    userId: string,
    accountId: string,
    quotas: { feature: string; periodEnd: Date }[],
  ): Promise<ProfileRow | null> {
    const [row] = await this.prisma.prepared<
      UserDto & {
        accounts: AccountSummaryDto[];
        projects: number;
        creditBalance: number;
        quotaUses: FlushedUse[];
      }
    >('account-profile', PROFILE, [
      userId,
      accountId,
      quotas.map((quota) => quota.feature),
      quotas.map((quota) => quota.periodEnd),
    ]);
    if (!row) return null;
    const { projects, ...profile } = row;
    return { ...profile, counted: new Map([[PROJECTS_FEATURE, projects]]) };
  }
}
