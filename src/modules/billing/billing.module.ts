import { Module } from '@nestjs/common';

import { PlansModule } from '../plans/plans.module';
import { BillingController } from './billing.controller';
import { BillingService } from './billing.service';
import { CreditPackService } from './credit-pack.service';
import { CustomersService } from './customers.service';
import { SubscriptionSyncService } from './subscription-sync.service';
import { SubscriptionsRepository } from './subscriptions.repository';

@Module({
  imports: [PlansModule],
  controllers: [BillingController],
  providers: [
    BillingService,
    CustomersService,
    SubscriptionsRepository,
    SubscriptionSyncService,
    CreditPackService,
  ],
  exports: [
    BillingService,
    CustomersService,
    SubscriptionsRepository,
    SubscriptionSyncService,
    CreditPackService,
  ],
})
export class BillingModule {}
