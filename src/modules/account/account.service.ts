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
import { PaywallService } from '../paywall/paywall.service';
import { ProjectsService } from '../projects/projects.service';
import { quotasOfPeriod } from '../quotas/quota-period';
import { QuotaService } from '../quotas/quota.service';
import { SessionsService } from '../sessions/sessions.service';
import { UsersService } from '../users/users.service';
import { AccountExportDto, MeDto } from './account.dto';
import { ProfileRepository } from './profile.repository';

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
    private readonly paywall: PaywallService,
    private readonly profiles: ProfileRepository,
  ) {}

  /**
   * The entitlements come from the guard's cache (the change feed keeps it exact within a second on
   * every instance), the rest from one statement: also the credit balance, which spends change without
   * a change notice.
   */
  async profile(caller: AuthenticatedUser, now = new Date()): Promise<MeDto> {
    const accountId = caller.account.id;
    const entitlements = await this.paywall.entitlements(accountId);
    const quotas = quotasOfPeriod(entitlements, now);
    const profile = await this.profiles.profile(caller.id, accountId, quotas);
    if (!profile) throw new DomainError('unauthenticated', 'The account no longer exists.');
    const { accounts, counted, creditBalance, quotaUses, ...user } = profile;
    // Left it since this request was authenticated.
    const account = accounts.find((candidate) => candidate.id === accountId);
    if (!account) throw accountNotFound();
    const view = await this.entitlementView.of(accountId, entitlements, counted);
    return {
      ...user,
      subscription: entitlements.subscription,
      entitlements: this.quotas.withPeriodUse(accountId, view, quotas, quotaUses),
      credits: { balance: creditBalance },
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
