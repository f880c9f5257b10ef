import { Injectable } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import { accountNotFound } from '../accounts/account-errors';
import { UserAccountsService } from '../accounts/user-accounts.service';
import { ApiKeysService } from '../api-keys/api-keys.service';
import type { AuthenticatedUser } from '../auth/identity';
import { BillingService } from '../billing/billing.service';
import { CreditsService } from '../credits/credits.service';
import { EntitlementsService } from '../entitlements/entitlements.service';
import { GrantsService } from '../entitlements/grants.service';
import { EntitlementViewService } from '../paywall/entitlement-view.service';
import { ProjectsService } from '../projects/projects.service';
import { QuotaService } from '../quotas/quota.service';
import { SessionsService } from '../sessions/sessions.service';
import { UsersService } from '../users/users.service';
import { AccountExportDto, MeDto } from './account.dto';

/** The calling user's own account: profile, subscription, entitlements, credits, and their data. */
@Injectable()
export class AccountService {
  constructor(
    private readonly users: UsersService,
    private readonly entitlementView: EntitlementViewService,
    private readonly sessions: SessionsService,
    private readonly apiKeys: ApiKeysService,
    private readonly billing: BillingService,
    private readonly credits: CreditsService,
    private readonly grants: GrantsService,
    private readonly billingEvents: EntitlementsService,
    private readonly projects: ProjectsService,
    private readonly userAccounts: UserAccountsService,
    private readonly quotas: QuotaService,
  ) {}

  async profile(caller: AuthenticatedUser): Promise<MeDto> {
    const [user, accounts] = await Promise.all([
      this.users.find(caller.id),
      this.userAccounts.accountsOf(caller.id),
    ]);
    if (!user) throw new DomainError('unauthenticated', 'The account no longer exists.');
    // Left it since this request was authenticated.
    const account = accounts.find((candidate) => candidate.id === caller.account.id);
    if (!account) throw accountNotFound();
    const { entitlements, view } = await this.entitlementView.forAccount(caller.account.id);
    return {
      ...user,
      subscription: entitlements.subscription,
      entitlements: await this.quotas.withPeriodUse(caller.account.id, view),
      credits: { balance: entitlements.creditBalance },
      accounts,
      account,
    };
  }

  async rename(caller: AuthenticatedUser, name: string | null): Promise<MeDto> {
    await this.users.rename(caller.id, name);
    return this.profile(caller);
  }

  /** Everything the service keeps about the user, as JSON (their right of access and portability). */
  async export(userId: string): Promise<AccountExportDto> {
    const user = await this.users.find(userId);
    if (!user) throw new DomainError('unauthenticated', 'The account no longer exists.');
    // The user's own billing is their personal account's; a team's belongs to the team.
    const personal = await this.userAccounts.personalAccountOf(userId);
    const [sessions, apiKeys, subscriptions, balance, ledger, grants, billingEvents, projects, accounts] =
      await Promise.all([
        this.sessions.listLive(userId),
        this.apiKeys.list(userId),
        this.billing.history(personal),
        this.credits.balance(personal),
        this.credits.ledger(personal),
        this.grants.active(personal),
        this.billingEvents.recentChanges(personal),
        this.projects.list(personal),
        this.userAccounts.accountsOf(userId),
      ]);
    return {
      exportedAt: new Date().toISOString(),
      user,
      sessions: sessions.map((session) => ({
        id: session.id,
        createdAt: session.createdAt.toISOString(),
        lastUsedAt: session.lastUsedAt.toISOString(),
        ip: session.ip,
        userAgent: session.userAgent,
      })),
      apiKeys,
      subscriptions,
      credits: {
        balance,
        ledger: ledger.map((entry) => ({
          delta: entry.delta,
          balanceAfter: entry.balanceAfter,
          reason: entry.reason,
          createdAt: entry.createdAt.toISOString(),
        })),
      },
      grants,
      projects,
      accounts,
      billingEvents: billingEvents.map((event) => ({
        kind: event.kind,
        createdAt: event.createdAt.toISOString(),
      })),
    };
  }
}
