import { Module } from '@nestjs/common';

import { AccountsModule } from '../accounts/accounts.module';
import { CreditsModule } from '../credits/credits.module';
import { EntitlementsModule } from '../entitlements/entitlements.module';
import { MailModule } from '../mail/mail.module';
import { PlansModule } from '../plans/plans.module';
import { StripeModule } from '../stripe/stripe.module';
import { UsersModule } from '../users/users.module';
import { BillingController } from './billing.controller';
import { BillingService } from './billing.service';
import { CheckoutSessionsService } from './checkout-sessions.service';
import { CreditPackService } from './credit-pack.service';
import { CustomersRepository } from './customers.repository';
import { CustomersService } from './customers.service';
import { CheckoutPrecautions } from './checkout-precautions.service';
import { DuplicateSubscriptionsRepository } from './duplicate-subscriptions.repository';
import { DuplicateSubscriptionsService } from './duplicate-subscriptions.service';
import { SeatsRepository } from './seats.repository';
import { SeatsService } from './seats.service';
import { SubscriptionOperationsService } from './subscription-operations.service';
import { SubscriptionSyncService } from './subscription-sync.service';
import { SubscriptionsRepository } from './subscriptions.repository';
import { TrialStartsRepository } from './trial-starts.repository';
import { TrialsController } from './trials.controller';
import { TrialsService } from './trials.service';

@Module({
  imports: [
    PlansModule,
    StripeModule,
    EntitlementsModule,
    CreditsModule,
    UsersModule,
    AccountsModule,
    MailModule,
  ],
  controllers: [BillingController, TrialsController],
  providers: [
    BillingService,
    CustomersService,
    CustomersRepository,
    SubscriptionsRepository,
    SubscriptionSyncService,
    CreditPackService,
    CheckoutSessionsService,
    SeatsRepository,
    SeatsService,
    TrialsService,
    TrialStartsRepository,
    CheckoutPrecautions,
    DuplicateSubscriptionsRepository,
    DuplicateSubscriptionsService,
    SubscriptionOperationsService,
  ],
  exports: [
    SeatsService,
    BillingService,
    CustomersService,
    SubscriptionSyncService,
    CreditPackService,
    CheckoutSessionsService,
  ],
})
export class BillingModule {}
