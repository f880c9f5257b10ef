import { Injectable } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import { CreditsService } from '../credits/credits.service';
import { EntitlementsService } from '../entitlements/entitlements.service';
import { GrantsService } from '../entitlements/grants.service';
import { EntitlementViewService } from '../paywall/entitlement-view.service';
import { PaymentRequiredLog } from '../paywall/payment-required.log';
import { UsersService } from '../users/users.service';
import { AdminUserDetailDto, AdminUserListDto, AdminUsersQueryDto } from './admin-users.dto';

@Injectable()
export class AdminUsersService {
  constructor(
    private readonly users: UsersService,
    private readonly entitlementView: EntitlementViewService,
    private readonly audit: EntitlementsService,
    private readonly credits: CreditsService,
    private readonly grants: GrantsService,
    private readonly paymentRequiredLog: PaymentRequiredLog,
  ) {}

  search(query: AdminUsersQueryDto): Promise<AdminUserListDto> {
    return this.users.search(query.query || undefined, query.cursor, query.limit ?? 50);
  }

  async detail(userId: string): Promise<AdminUserDetailDto> {
    const user = await this.users.find(userId);
    if (!user) throw new DomainError('not_found', 'No such user.');
    const [{ entitlements, view }, ledger, changes, grants, paymentRequired] = await Promise.all([
      this.entitlementView.forUser(userId),
      this.credits.ledger(userId),
      this.audit.recentChanges(userId),
      this.grants.active(userId),
      this.paymentRequiredLog.recent(userId),
    ]);
    return {
      user,
      subscription: entitlements.subscription,
      entitlements: view,
      credits: {
        balance: entitlements.creditBalance,
        ledger: ledger.map((entry) => ({
          delta: entry.delta,
          balanceAfter: entry.balanceAfter,
          reason: entry.reason,
          stripeEventId: entry.stripeEventId,
          createdAt: entry.createdAt.toISOString(),
        })),
      },
      grants,
      recentPaymentRequired: paymentRequired.map((event) => ({
        code: event.code,
        feature: event.feature,
        route: event.route,
        createdAt: event.createdAt.toISOString(),
      })),
      billingEvents: changes.map((change) => ({
        kind: change.kind,
        cause: change.cause,
        details: change.details,
        createdAt: change.createdAt.toISOString(),
      })),
    };
  }

  async assertExists(userId: string): Promise<void> {
    if (!(await this.users.exists(userId))) {
      throw new DomainError('not_found', 'No such user.');
    }
  }
}
