import { Module } from '@nestjs/common';

import { EntitlementsModule } from '../entitlements/entitlements.module';
import { MeteringModule } from '../metering/metering.module';
import { PaywallModule } from '../paywall/paywall.module';
import { QuotaCounters } from './quota-counters.service';
import { QuotaLeasesRepository } from './quota-leases.repository';
import { QuotaInterceptor } from './quota.interceptor';
import { QuotaService } from './quota.service';
import { UsageController } from './usage.controller';

/** Per-period quotas (`@ConsumesQuota`), counted in process from leases, and `GET /v1/usage`. */
@Module({
  imports: [PaywallModule, EntitlementsModule, MeteringModule],
  controllers: [UsageController],
  providers: [QuotaCounters, QuotaLeasesRepository, QuotaService, QuotaInterceptor],
  exports: [QuotaService, QuotaInterceptor],
})
export class QuotasModule {}
