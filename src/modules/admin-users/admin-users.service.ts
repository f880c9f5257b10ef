import { Injectable } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import { PrismaService } from '../../database/prisma.service';
import { CreditsRepository } from '../credits/credits.repository';
import { EntitlementViewService } from '../entitlements/entitlement-view.service';
import { EntitlementsRepository } from '../entitlements/entitlements.repository';
import { toUserDto } from '../users/users.service';
import { PaymentRequiredLog } from '../paywall/payment-required.log';
import { AdminUserDetailDto, AdminUserListDto } from './admin-users.dto';
import { GrantsService } from './grants.service';

@Injectable()
export class AdminUsersService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly entitlementView: EntitlementViewService,
    private readonly audit: EntitlementsRepository,
    private readonly credits: CreditsRepository,
    private readonly grants: GrantsService,
    private readonly paymentRequiredLog: PaymentRequiredLog,
  ) {}

  async list(cursor: string | undefined, limit = 50): Promise<AdminUserListDto> {
    const users = await this.prisma.user.findMany({
      orderBy: { id: 'asc' },
      take: limit + 1,
      ...(cursor ? { where: { id: { gt: cursor } } } : {}),
    });
    const page = users.slice(0, limit);
    return { data: page.map(toUserDto), nextCursor: users.length > limit ? page[page.length - 1].id : null };
  }

  async detail(userId: string): Promise<AdminUserDetailDto> {
    const user = await this.prisma.user.findUnique({ where: { id: userId } });
    if (!user) throw new DomainError('not_found', 'No such user.');
    const [{ entitlements, view }, ledger, changes, grants, paymentRequired] = await Promise.all([
      this.entitlementView.forUser(userId),
      this.credits.ledger(userId),
      this.audit.recentChanges(userId),
      this.grants.active(userId),
      this.paymentRequiredLog.recent(userId),
    ]);
    return {
      user: toUserDto(user),
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
    if (!(await this.prisma.user.findUnique({ where: { id: userId }, select: { id: true } }))) {
      throw new DomainError('not_found', 'No such user.');
    }
  }
}
