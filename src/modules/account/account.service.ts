import { Injectable } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import { accountNotFound } from '../accounts/account-errors';
import { UserAccountsService } from '../accounts/user-accounts.service';
import { ApiKeysService } from '../api-keys/api-keys.service';
import type { AuthenticatedUser } from '../auth/identity';
import { BillingService } from '../billing/billing.service';
import { CreditsService } from '../credits/credits.service';
import { Entitlements } from '../entitlements/entitlement.types';
import { EntitlementsService } from '../entitlements/entitlements.service';
import { GrantsService } from '../entitlements/grants.service';
import { EntitlementViewService } from '../paywall/entitlement-view.service';
import { PaywallService } from '../paywall/paywall.service';
import { ProjectsService } from '../projects/projects.service';
import { QuotaOfPeriod, quotasOfPeriod } from '../quotas/quota-period';
import { QuotaService } from '../quotas/quota.service';
import { SessionsService } from '../sessions/sessions.service';
import { UsersService } from '../users/users.service';
import { AccountExportDto, MeDto } from './account.dto';
import { ProfileCache } from './profile-cache.service';
import { ProfileRow } from './profile.repository';

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
    private readonly profiles: ProfileCache,
  ) {}

  /** Pages built once per profile (a new one comes with every change) and entitlements. */
  private readonly pages = new WeakMap<ProfileRow, { entitlements: Entitlements; page: MePage }>();
  private readonly quotaPeriods = new WeakMap<Entitlements, { quotas: QuotaOfPeriod[]; until: number }>();

  /**
   * The entitlements come from the guard's cache (the change feed keeps it exact within a second on
   * every instance), the rest from the profile cache: on a hit, no database round trip.
   */
  async profile(caller: AuthenticatedUser, now = new Date()): Promise<MeDto> {
    return (await this.pageFor(caller, now)).now();
  }

  /** `profile` as the JSON text of GET /v1/me: the parts no request changes are serialized once. */
  async profileJson(caller: AuthenticatedUser, now = new Date()): Promise<string> {
    return (await this.pageFor(caller, now)).json();
  }

  private async pageFor(caller: AuthenticatedUser, now: Date): Promise<MePage> {
    const accountId = caller.account.id;
    const entitlements = await this.paywall.entitlements(accountId);
    const quotas = this.quotasOf(entitlements, now);
    const profile = await this.profiles.profile(caller.id, accountId, quotas);
    if (!profile) throw new DomainError('unauthenticated', 'The account no longer exists.');
    let built = this.pages.get(profile);
    if (built?.entitlements !== entitlements) {
      const page = await this.pageOf(accountId, profile, entitlements);
      // Quota uses change with every request this instance counts: the only part read each time.
      const usedNow = page.entitlements.map((entry) => {
        const quota = quotas.find((candidate) => candidate.feature === entry.feature);
        return quota ? () => this.quotas.usedInPeriod(accountId, quota, profile.quotaUses) : null;
      });
      built = { entitlements, page: new MePage(page, usedNow) };
      this.pages.set(profile, built);
    }
    return built.page;
  }

  /** The entitlements' quotas in the period of `now`, kept until the first of them resets. */
  private quotasOf(entitlements: Entitlements, now: Date): QuotaOfPeriod[] {
    const kept = this.quotaPeriods.get(entitlements);
    if (kept && now.getTime() < kept.until) return kept.quotas;
    const quotas = quotasOfPeriod(entitlements, now);
    const until = Math.min(...quotas.map((quota) => quota.periodEnd.getTime()));
    this.quotaPeriods.set(entitlements, { quotas, until });
    return quotas;
  }

  /** The page as the profile and entitlements describe it, with the quotas' uses as flushed. */
  private async pageOf(accountId: string, profile: ProfileRow, entitlements: Entitlements): Promise<MeDto> {
    const { accounts, counted, creditBalance, quotaUses: _flushed, ...user } = profile;
    // Left it since this request was authenticated.
    const account = accounts.find((candidate) => candidate.id === accountId);
    if (!account) throw accountNotFound();
    return {
      ...user,
      subscription: entitlements.subscription,
      entitlements: await this.entitlementView.of(accountId, entitlements, counted),
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

/**
 * A built GET /v1/me answer. Everything but the quotas' uses is fixed until the profile or the
 * entitlements change, so its JSON is written once; a request serializes only the entitlements.
 */
class MePage {
  /** The whole answer when no quota is in it; else all of it but the entitlements, without its `}`. */
  private readonly fixedJson: string;
  private readonly fixed: boolean;

  constructor(
    private readonly page: MeDto,
    /** Per entitlement: how to read its quota's use now, or null for a use that is fixed. */
    private readonly usedNow: ((() => number) | null)[],
  ) {
    this.fixed = usedNow.every((read) => read === null);
    const { entitlements: _perRequest, ...rest } = page;
    this.fixedJson = this.fixed ? JSON.stringify(page) : JSON.stringify(rest).slice(0, -1);
  }

  now(): MeDto {
    return this.fixed ? this.page : { ...this.page, entitlements: this.entitlements() };
  }

  json(): string {
    if (this.fixed) return this.fixedJson;
    return `${this.fixedJson},"entitlements":${JSON.stringify(this.entitlements())}}`;
  }

  private entitlements(): MeDto['entitlements'] {
    const { entitlements } = this.page;
    return entitlements.map((entry, index) => {
      const read = this.usedNow[index];
      return read ? { ...entry, used: read() } : entry;
    });
  }
}
