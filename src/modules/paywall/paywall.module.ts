import { Global, Module } from '@nestjs/common';

import { AuthenticationGuard } from '../auth/authentication.guard';
import { RolesGuard } from '../auth/roles.guard';
import { PlansModule } from '../plans/plans.module';
import { ChangeNotificationsListener } from './change-notifications.listener';
import { CreditRefundInterceptor } from './credit-refund.interceptor';
import { EntitlementsCache } from './entitlements-cache.service';
import { PaymentGuard } from './payment.guard';
import { PaymentRequiredFactory } from './payment-required.factory';
import { PaymentRequiredLog } from './payment-required.log';
import { PaywallCatalog } from './paywall-catalog.service';

const EXPORTED = [
  PaymentGuard,
  CreditRefundInterceptor,
  EntitlementsCache,
  PaymentRequiredFactory,
  PaymentRequiredLog,
  AuthenticationGuard,
  RolesGuard,
];

@Global()
@Module({
  imports: [PlansModule],
  providers: [...EXPORTED, PaywallCatalog, ChangeNotificationsListener],
  exports: EXPORTED,
})
export class PaywallModule {}
