import { Injectable } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { AuthService } from '../auth/auth.service';
import type { AuthenticatedUser } from '../auth/identity';
import { BillingService } from '../billing/billing.service';
import type { ClientInfo } from '../sessions/sessions.repository';
import { UsersService } from '../users/users.service';

/**
 * Deleting an account, by its user or an admin: its Stripe subscriptions are canceled at once (first,
 * so that a Stripe outage leaves the account as it was), then in one transaction its personal data is
 * erased, its sessions end and its keys are revoked. Billing records stay, without personal data.
 */
@Injectable()
export class AccountDeletionService {
  constructor(
    private readonly users: UsersService,
    private readonly auth: AuthService,
    private readonly billing: BillingService,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async deleteOwn(caller: AuthenticatedUser, password: string, client: ClientInfo): Promise<void> {
    if (caller.apiKey) {
      throw new DomainError('forbidden_for_api_key', 'Sign in with your password to delete the account.');
    }
    await this.auth.confirmPassword(caller.id, password, client);
    await this.delete(caller.id);
  }

  async delete(userId: string): Promise<void> {
    await this.users.assertErasable(userId);
    await this.billing.cancelAllNow(userId, `account-deleted:${userId}`);
    await this.users.erase(userId, async (tx) => {
      await this.apiKeys.revokeAll(userId, tx);
    });
  }
}
