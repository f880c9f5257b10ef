import { Global, Module } from '@nestjs/common';

import { EntitlementChangesService } from './entitlement-changes.service';
import { EntitlementViewService } from './entitlement-view.service';
import { EntitlementsRepository } from './entitlements.repository';
import { EntitlementsService } from './entitlements.service';
import { FeatureUsageService } from './feature-usage.service';

@Global()
@Module({
  providers: [
    EntitlementsRepository,
    EntitlementsService,
    EntitlementChangesService,
    FeatureUsageService,
    EntitlementViewService,
  ],
  exports: [
    EntitlementsRepository,
    EntitlementsService,
    EntitlementChangesService,
    FeatureUsageService,
    EntitlementViewService,
  ],
})
export class EntitlementsModule {}
