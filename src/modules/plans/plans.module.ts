import { Module } from '@nestjs/common';

import { AuditModule } from '../audit/audit.module';
import { StripeModule } from '../stripe/stripe.module';
import { AdminPlansController } from './admin-plans.controller';
import { CatalogSyncService } from './catalog-sync.service';
import { PlansController } from './plans.controller';
import { PlansRepository } from './plans.repository';
import { PlansService } from './plans.service';
import { StripeCatalogService } from './stripe-catalog.service';

@Module({
  imports: [StripeModule, AuditModule],
  controllers: [PlansController, AdminPlansController],
  providers: [PlansRepository, PlansService, StripeCatalogService, CatalogSyncService],
  exports: [PlansService, CatalogSyncService, StripeCatalogService],
})
export class PlansModule {}
