import { Module } from '@nestjs/common';

import { AccountsModule } from '../accounts/accounts.module';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { AuthModule } from '../auth/auth.module';
import { BillingModule } from '../billing/billing.module';
import { CreditsModule } from '../credits/credits.module';
import { EntitlementsModule } from '../entitlements/entitlements.module';
import { MailModule } from '../mail/mail.module';
import { PaywallModule } from '../paywall/paywall.module';
import { ProjectsModule } from '../projects/projects.module';
import { QuotasModule } from '../quotas/quotas.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { AccountDeletionService } from './account-deletion.service';
import { AccountService } from './account.service';
import { MeController } from './me.controller';
import { ProfileCache } from './profile-cache.service';
import { ProfileRepository } from './profile.repository';

/** `/v1/me`: what the calling user reads and changes about their own account, down to deleting it. */
@Module({
  imports: [
    UsersModule,
    AccountsModule,
    PaywallModule,
    AuthModule,
    SessionsModule,
    ApiKeysModule,
    BillingModule,
    CreditsModule,
    EntitlementsModule,
    ProjectsModule,
    MailModule,
    QuotasModule,
  ],
  controllers: [MeController],
  providers: [AccountService, AccountDeletionService, ProfileRepository, ProfileCache],
  exports: [AccountDeletionService],
})
export class AccountModule {}
