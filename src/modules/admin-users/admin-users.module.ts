import { Module } from '@nestjs/common';

import { BillingModule } from '../billing/billing.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { AdminUsersController } from './admin-users.controller';
import { AdminUsersService } from './admin-users.service';
import { GrantsService } from './grants.service';
import { ReconciliationScheduler } from './reconciliation.scheduler';
import { ReconciliationService } from './reconciliation.service';

@Module({
  imports: [BillingModule, WebhooksModule],
  controllers: [AdminUsersController],
  providers: [AdminUsersService, ReconciliationService, ReconciliationScheduler, GrantsService],
})
export class AdminUsersModule {}
