import { Module } from '@nestjs/common';

import { CreditExpiryScheduler } from './credit-expiry.scheduler';
import { CreditsRepository } from './credits.repository';
import { CreditsService } from './credits.service';

@Module({
  providers: [CreditsRepository, CreditsService, CreditExpiryScheduler],
  exports: [CreditsService, CreditExpiryScheduler],
})
export class CreditsModule {}
