import { DynamicModule, Module } from '@nestjs/common';

import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { AdminUsersModule } from './modules/admin-users/admin-users.module';
import { ApiKeysModule } from './modules/api-keys/api-keys.module';
import { AuthCoreModule } from './modules/auth/auth-core.module';
import { AuthModule } from './modules/auth/auth.module';
import { BillingModule } from './modules/billing/billing.module';
import { CreditsModule } from './modules/credits/credits.module';
import { EntitlementsModule } from './modules/entitlements/entitlements.module';
import { HealthModule } from './modules/health/health.module';
import { ExportsModule } from './modules/exports/exports.module';
import { MetricsModule } from './modules/metrics/metrics.module';
import { PaywallModule } from './modules/paywall/paywall.module';
import { PlansModule } from './modules/plans/plans.module';
import { ProjectsModule } from './modules/projects/projects.module';
import { ReportsModule } from './modules/reports/reports.module';
import { StripeModule } from './modules/stripe/stripe.module';
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
        MetricsModule,
        HealthModule,
        AuthCoreModule,
        UsersModule,
        AuthModule,
        ApiKeysModule,
        StripeModule,
        EntitlementsModule,
        CreditsModule,
        PlansModule,
        BillingModule,
        WebhooksModule,
        AdminUsersModule,
        PaywallModule,
        ProjectsModule,
        ReportsModule,
        ExportsModule,
      ],
    };
  }
}
