import { Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';

import { CreditsModule } from '../credits/credits.module';
import { EntitlementsModule } from '../entitlements/entitlements.module';
import { MetricsModule } from '../metrics/metrics.module';
import { PlansModule } from '../plans/plans.module';
import { CreditSpendingInterceptor } from './credit-spending.interceptor';
import { EntitlementViewService } from './entitlement-view.service';
import { EntitlementsCache } from './entitlements-cache.service';
import { PaymentGuard } from './payment.guard';
import { PaymentRequiredFactory } from './payment-required.factory';
import { PaymentRequiredLog } from './payment-required.log';
import { PaymentRequiredRepository } from './payment-required.repository';
import { PaywallCatalog } from './paywall-catalog.service';
import { PaywallService } from './paywall.service';
import { UsageCounters } from './usage-counters.service';
import { UsageLockRepository } from './usage-lock.repository';

/**
 * The paywall: the global PaymentGuard (registered after authentication's guards), the credit
 * interceptor, and `PaywallService`, which guarded resources create through.
 */
@Module({
  imports: [DiscoveryModule, EntitlementsModule, CreditsModule, PlansModule, MetricsModule],
  providers: [
    { provide: APP_GUARD, useClass: PaymentGuard },
    PaywallService,
    CreditSpendingInterceptor,
    EntitlementsCache,
    EntitlementViewService,
    PaymentRequiredFactory,
    PaymentRequiredLog,
    PaymentRequiredRepository,
    PaywallCatalog,
    UsageCounters,
    UsageLockRepository,
  ],
  exports: [PaywallService, EntitlementViewService, PaymentRequiredLog],
})
export class PaywallModule {}
