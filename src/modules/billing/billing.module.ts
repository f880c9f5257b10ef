import { Module } from '@nestjs/common';

import { PlansModule } from '../plans/plans.module';
import { BillingController } from './billing.controller';
import { BillingService } from './billing.service';
import { CheckoutSessionsService } from './checkout-sessions.service';
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
    CheckoutSessionsService,
  ],
  exports: [
    BillingService,
    CustomersService,
    SubscriptionsRepository,
    SubscriptionSyncService,
    CreditPackService,
    CheckoutSessionsService,
  ],
})
export class BillingModule {}
