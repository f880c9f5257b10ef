import { Module } from '@nestjs/common';

import { BillingModule } from '../billing/billing.module';
import { BillingMailsModule } from '../billing-mails/billing-mails.module';
import { StripeModule } from '../stripe/stripe.module';
import { InvoiceSyncService } from './invoice-sync.service';
import { InvoicesController } from './invoices.controller';
import { InvoicesRepository } from './invoices.repository';
import { InvoicesService } from './invoices.service';

/** Invoices kept from Stripe (webhooks and reconciliation through InvoiceSyncService); GET /v1/billing/invoices. */
@Module({
  imports: [BillingModule, BillingMailsModule, StripeModule],
  controllers: [InvoicesController],
  providers: [InvoicesRepository, InvoiceSyncService, InvoicesService],
  exports: [InvoiceSyncService],
})
export class InvoicesModule {}
