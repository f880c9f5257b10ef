import { Module } from '@nestjs/common';

import { BillingModule } from '../billing/billing.module';
import { CreditsModule } from '../credits/credits.module';
import { EntitlementsModule } from '../entitlements/entitlements.module';
import { PaywallModule } from '../paywall/paywall.module';
import { StripeModule } from '../stripe/stripe.module';
import { UsersModule } from '../users/users.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { AdminUsersController } from './admin-users.controller';
import { AdminUsersService } from './admin-users.service';
import { ReconciliationScheduler } from './reconciliation.scheduler';
import { ReconciliationService } from './reconciliation.service';

@Module({
  imports: [
    BillingModule,
    WebhooksModule,
    UsersModule,
    EntitlementsModule,
    CreditsModule,
    PaywallModule,
    StripeModule,
  ],
  controllers: [AdminUsersController],
  providers: [AdminUsersService, ReconciliationService, ReconciliationScheduler],
})
export class AdminUsersModule {}
