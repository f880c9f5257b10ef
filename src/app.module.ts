import { DynamicModule, Module } from '@nestjs/common';

import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { AccountModule } from './modules/account/account.module';
import { AccountsModule } from './modules/accounts/accounts.module';
import { AdminUsersModule } from './modules/admin-users/admin-users.module';
import { ApiKeysModule } from './modules/api-keys/api-keys.module';
import { AuditModule } from './modules/audit/audit.module';
import { AuthModule } from './modules/auth/auth.module';
import { BillingModule } from './modules/billing/billing.module';
import { ReconciliationModule } from './modules/billing/reconciliation/reconciliation.module';
import { ChangeFeedModule } from './modules/change-feed/change-feed.module';
import { HealthModule } from './modules/health/health.module';
import { AnalysesModule } from './modules/analyses/analyses.module';
import { InvoicesModule } from './modules/invoices/invoices.module';
import { ExportsModule } from './modules/exports/exports.module';
import { MailModule } from './modules/mail/mail.module';
import { MeteringModule } from './modules/metering/metering.module';
import { MetricsModule } from './modules/metrics/metrics.module';
import { PaywallModule } from './modules/paywall/paywall.module';
import { PlansModule } from './modules/plans/plans.module';
import { ProjectsModule } from './modules/projects/projects.module';
import { QuotasModule } from './modules/quotas/quotas.module';
import { ReportsModule } from './modules/reports/reports.module';
import { UsersModule } from './modules/users/users.module';
import { WebhooksModule } from './modules/webhooks/webhooks.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        ChangeFeedModule,
        MetricsModule,
        HealthModule,
        // Authentication's global guards before the paywall's: 401 and 403 come before 402.
        AuthModule,
        PaywallModule,
        UsersModule,
        MailModule,
        AccountModule,
        AccountsModule,
        ApiKeysModule,
        PlansModule,
        BillingModule,
        InvoicesModule,
        ReconciliationModule,
        WebhooksModule,
        AdminUsersModule,
        AuditModule,
        ProjectsModule,
        ReportsModule,
        ExportsModule,
        QuotasModule,
        MeteringModule,
        AnalysesModule,
      ],
    };
  }
}
