import { Module } from '@nestjs/common';

import { AccountModule } from '../account/account.module';
import { AuditModule } from '../audit/audit.module';
import { CreditsModule } from '../credits/credits.module';
import { EntitlementsModule } from '../entitlements/entitlements.module';
import { PaywallModule } from '../paywall/paywall.module';
import { UsersModule } from '../users/users.module';
import { AccountsModule } from '../accounts/accounts.module';
import { AdminAccountsController } from './admin-accounts.controller';
import { AdminCreditsController } from './admin-credits.controller';
import { AdminUsersController } from './admin-users.controller';
import { AdminUsersService } from './admin-users.service';

@Module({
  imports: [
    AccountModule,
    AccountsModule,
    UsersModule,
    EntitlementsModule,
    CreditsModule,
    PaywallModule,
    AuditModule,
  ],
  controllers: [AdminUsersController, AdminAccountsController, AdminCreditsController],
  exports: [AdminUsersService],
  providers: [AdminUsersService],
})
export class AdminUsersModule {}
