import { Module } from '@nestjs/common';

import { ApiKeysModule } from '../api-keys/api-keys.module';
import { AccountsController } from './accounts.controller';
import { AccountsRepository } from './accounts.repository';
import { AccountsService } from './accounts.service';
import { UserAccountsService } from './user-accounts.service';

/**
 * Accounts (personal and teams) and their members under `/v1/accounts`; `UserAccountsService` gives the
 * users, auth and `/v1/me` modules a user's accounts.
 */
@Module({
  imports: [ApiKeysModule],
  controllers: [AccountsController],
  providers: [AccountsRepository, AccountsService, UserAccountsService],
  exports: [UserAccountsService],
})
export class AccountsModule {}
