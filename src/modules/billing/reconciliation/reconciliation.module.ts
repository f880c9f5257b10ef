import { Module } from '@nestjs/common';

import { AuditModule } from '../../audit/audit.module';
import { StripeModule } from '../../stripe/stripe.module';
import { AccountsModule } from '../../accounts/accounts.module';
import { InvoicesModule } from '../../invoices/invoices.module';
import { UsersModule } from '../../users/users.module';
import { WebhooksModule } from '../../webhooks/webhooks.module';
import { BillingModule } from '../billing.module';
import { AdminReconciliationController } from './admin-reconciliation.controller';
import { ReconciliationScheduler } from './reconciliation.scheduler';
import { ReconciliationService } from './reconciliation.service';

/** Heals what lost webhooks left behind: catch-up from Stripe's event list and periodic re-syncs. */
@Module({
  imports: [
    BillingModule,
    InvoicesModule,
    WebhooksModule,
    StripeModule,
    UsersModule,
    AccountsModule,
    AuditModule,
  ],
  controllers: [AdminReconciliationController],
  providers: [ReconciliationService, ReconciliationScheduler],
})
export class ReconciliationModule {}
