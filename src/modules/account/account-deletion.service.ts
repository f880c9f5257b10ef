import { Injectable } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import type { RequestOrigin } from '../../common/http/request-origin';
import { MembershipChanges } from '../accounts/membership-changes';
import { UserAccountsService } from '../accounts/user-accounts.service';
import { AuditLog } from '../audit/audit-log.service';
import { MailOutbox } from '../mail/mail-outbox.service';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { CredentialsService } from '../auth/credentials.service';
import type { AuthenticatedUser } from '../auth/identity';
import { BillingService } from '../billing/billing.service';
import { UsersService } from '../users/users.service';

/**
 * Deleting a user, by themselves or an admin: the Stripe subscriptions of the accounts only they belong
 * to (their personal account, teams nobody joined) are canceled at once (first,
 * so that a Stripe outage leaves the account as it was), then in one transaction its personal data is
 * erased, its sessions end and its keys are revoked, and it leaves the teams it shares with others (409
 * `last_owner` as the only owner of one). Billing records stay, without personal data.
 */
@Injectable()
export class AccountDeletionService {
  constructor(
    private readonly users: UsersService,
    private readonly credentials: CredentialsService,
    private readonly billing: BillingService,
    private readonly apiKeys: ApiKeysService,
    private readonly mail: MailOutbox,
    private readonly audit: AuditLog,
    private readonly accounts: UserAccountsService,
    private readonly membershipChanges: MembershipChanges,
  ) {}

  async deleteOwn(caller: AuthenticatedUser, password: string, origin: RequestOrigin): Promise<void> {
    if (caller.apiKey) {
      throw new DomainError('forbidden_for_api_key', 'Sign in with your password to delete the account.');
    }
    await this.credentials.confirmPassword(caller.id, password, origin);
    await this.delete(caller.id, { actorId: caller.id, origin });
  }

  async delete(userId: string, by: { actorId: string; origin: RequestOrigin }): Promise<void> {
    await this.users.assertErasable(userId);
    await this.accounts.assertErasable(userId);
    const soleAccounts = await this.accounts.soleAccountsOf(userId);
    for (const accountId of soleAccounts) {
      await this.billing.cancelAllNow(accountId, `account-deleted:${userId}`);
    }
    let teamsLeft: string[] = [];
    await this.users.erase(userId, async (tx, erased) => {
      teamsLeft = await this.accounts.erase(userId, tx);
      await this.apiKeys.revokeAll(userId, tx);
      await this.mail.erasePersonalData(userId, tx);
      await this.audit.erasePersonalData(userId, erased.email, tx);
      await this.audit.record(
        'user.deleted',
        { actorId: by.actorId, subjectId: userId, origin: by.origin },
        tx,
      );
    });
    for (const accountId of teamsLeft) await this.membershipChanges.changed(accountId);
  }
}
