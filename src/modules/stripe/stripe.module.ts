import { Module } from '@nestjs/common';

import { stripeClientProvider } from './stripe-client.provider';
import { StripeGateway } from './stripe.gateway';

@Module({
  providers: [stripeClientProvider, StripeGateway],
  exports: [StripeGateway],
})
export class StripeModule {}
