import { Module } from '@nestjs/common';

import { AccountsModule } from '../accounts/accounts.module';
import { EntitlementsModule } from '../entitlements/entitlements.module';
import { MetricsModule } from '../metrics/metrics.module';
import { MeteringModule } from '../metering/metering.module';
import { MailModule } from '../mail/mail.module';
import { PaywallModule } from '../paywall/paywall.module';
import { QuotaAlertsRepository } from './quota-alerts.repository';
import { QuotaAlerts } from './quota-alerts.service';
import { QuotaCounters } from './quota-counters.service';
import { QuotaLeasesRepository } from './quota-leases.repository';
import { QuotaGuard } from './quota.guard';
import { QuotaService } from './quota.service';
import { UsageController } from './usage.controller';

/**
 * Per-period quotas (`@ConsumesQuota`), counted in process from leases, `GET /v1/usage`, and the usage
 * alerts mailed to the account's owners and admins at 80% and 100%.
 */
@Module({
  imports: [PaywallModule, EntitlementsModule, MeteringModule, AccountsModule, MailModule, MetricsModule],
  controllers: [UsageController],
  providers: [
    QuotaCounters,
    QuotaLeasesRepository,
    QuotaService,
    QuotaGuard,
    QuotaAlerts,
    QuotaAlertsRepository,
  ],
  exports: [QuotaService, QuotaGuard],
})
export class QuotasModule {}
