import { Global, Module } from '@nestjs/common';

import { stripeClientProvider } from './stripe-client.provider';
import { StripeGateway } from './stripe.gateway';

@Global()
@Module({
  providers: [stripeClientProvider, StripeGateway],
  exports: [StripeGateway],
})
export class StripeModule {}
