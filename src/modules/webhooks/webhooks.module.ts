import { Module } from '@nestjs/common';

import { AuditModule } from '../audit/audit.module';
import { BillingModule } from '../billing/billing.module';
import { BillingMailsModule } from '../billing-mails/billing-mails.module';
import { CreditsModule } from '../credits/credits.module';
import { EntitlementsModule } from '../entitlements/entitlements.module';
import { InvoicesModule } from '../invoices/invoices.module';
import { PlansModule } from '../plans/plans.module';
import { StripeModule } from '../stripe/stripe.module';
import { AdminWebhookEventsController } from './admin-webhook-events.controller';
import { CatalogEventsHandler } from './handlers/catalog-events.handler';
import { ChargeEventsHandler } from './handlers/charge-events.handler';
import { CheckoutEventsHandler } from './handlers/checkout-events.handler';
import { EntitlementSummaryHandler } from './handlers/entitlement-summary.handler';
import { InvoiceEventsHandler } from './handlers/invoice-events.handler';
import { SubscriptionEventsHandler } from './handlers/subscription-events.handler';
import { WEBHOOK_HANDLERS, WebhookHandler } from './handlers/webhook-handler';
import { StripeSignatureVerifier } from './stripe-signature.verifier';
import { StripeWebhookController } from './stripe-webhook.controller';
import { WebhookAdminService } from './webhook-admin.service';
import { WebhookInboxRepository } from './webhook-inbox.repository';
import { WebhookIntakeService } from './webhook-intake.service';
import { WebhookProcessor } from './webhook-processor.service';
import { WebhookRetentionScheduler } from './webhook-retention.scheduler';
import { WebhookWorker } from './webhook-worker.service';

const HANDLERS = [
  SubscriptionEventsHandler,
  InvoiceEventsHandler,
  CheckoutEventsHandler,
  ChargeEventsHandler,
  CatalogEventsHandler,
  EntitlementSummaryHandler,
];

@Module({
  imports: [
    BillingModule,
    InvoicesModule,
    BillingMailsModule,
    PlansModule,
    StripeModule,
    EntitlementsModule,
    CreditsModule,
    AuditModule,
  ],
  controllers: [StripeWebhookController, AdminWebhookEventsController],
  providers: [
    ...HANDLERS,
    {
      provide: WEBHOOK_HANDLERS,
      inject: HANDLERS,
      useFactory: (...handlers: WebhookHandler[]) => handlers,
    },
    StripeSignatureVerifier,
    WebhookInboxRepository,
    WebhookIntakeService,
    WebhookProcessor,
    WebhookWorker,
    WebhookAdminService,
    WebhookRetentionScheduler,
  ],
  exports: [WebhookIntakeService],
})
export class WebhooksModule {}
