import { Module } from '@nestjs/common';

import { MetricsModule } from '../metrics/metrics.module';
import { stripeClientProvider } from './stripe-client.provider';
import { StripePacer } from './stripe-pacer';
import { StripeGateway } from './stripe.gateway';

@Module({
  imports: [MetricsModule],
  providers: [StripePacer, stripeClientProvider, StripeGateway],
  exports: [StripeGateway, StripePacer],
})
export class StripeModule {}
