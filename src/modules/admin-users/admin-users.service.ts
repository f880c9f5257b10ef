import { Injectable } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import { CreditsService } from '../credits/credits.service';
import { EntitlementsService } from '../entitlements/entitlements.service';
import { GrantsService } from '../entitlements/grants.service';
import { EntitlementViewService } from '../paywall/entitlement-view.service';
import { PaymentRequiredLog } from '../paywall/payment-required.log';
import { UsersService } from '../users/users.service';
import { accountNotFound } from '../accounts/account-errors';
import { UserAccountsService } from '../accounts/user-accounts.service';
import {
  AdminAccountDetailDto,
  AdminBillingDto,
  AdminUserDetailDto,
  AdminUserListDto,
  AdminUsersQueryDto,
} from './admin-users.dto';

@Injectable()
export class AdminUsersService {
  constructor(
    private readonly users: UsersService,
    private readonly entitlementView: EntitlementViewService,
    private readonly audit: EntitlementsService,
    private readonly credits: CreditsService,
    private readonly grants: GrantsService,
    private readonly paymentRequiredLog: PaymentRequiredLog,
    private readonly accounts: UserAccountsService,
  ) {}

  search(query: AdminUsersQueryDto): Promise<AdminUserListDto> {
    return this.users.search(query.query || undefined, query.cursor, query.limit ?? 50);
  }

  async detail(userId: string): Promise<AdminUserDetailDto> {
    const user = await this.users.find(userId);
    if (!user) throw new DomainError('not_found', 'No such user.');
    const accountId = await this.accounts.personalAccountOf(userId);
    return { user, accountId, ...(await this.billingOf(accountId)) };
  }

  async accountDetail(accountId: string): Promise<AdminAccountDetailDto> {
    const account = await this.accounts.describe(accountId);
    if (!account) throw accountNotFound();
    return { account, ...(await this.billingOf(accountId)) };
  }

  /** The user's personal account: what `/v1/admin/users/:id/...` acts on (404 for no such user). */
  async personalAccountOf(userId: string): Promise<string> {
    await this.assertExists(userId);
    return this.accounts.personalAccountOf(userId);
  }

  async assertAccountExists(accountId: string): Promise<void> {
    if (!(await this.accounts.describe(accountId))) throw accountNotFound();
  }

  private async billingOf(accountId: string): Promise<AdminBillingDto> {
    const [{ entitlements, view }, ledger, expiring, changes, grants, paymentRequired] = await Promise.all([
      this.entitlementView.forAccount(accountId),
      this.credits.ledger(accountId),
      this.credits.expiring(accountId),
      this.audit.recentChanges(accountId),
      this.grants.active(accountId),
      this.paymentRequiredLog.recent(accountId),
    ]);
    return {
      subscription: entitlements.subscription,
      entitlements: view,
      credits: {
        balance: entitlements.creditBalance,
        expiring: expiring.map((lot) => ({
          amount: lot.amount,
          remaining: lot.remaining,
          expiresAt: lot.expiresAt.toISOString(),
        })),
        ledger: ledger.map((entry) => ({
          delta: entry.delta,
          balanceAfter: entry.balanceAfter,
          reason: entry.reason,
          stripeEventId: entry.stripeEventId,
          note: entry.note,
          createdBy: entry.createdBy,
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
