import { Module } from '@nestjs/common';

import { EntitlementsRepository } from './entitlements.repository';
import { EntitlementsService } from './entitlements.service';
import { GrantsRepository } from './grants.repository';
import { GrantsService } from './grants.service';

@Module({
  providers: [EntitlementsRepository, EntitlementsService, GrantsRepository, GrantsService],
  exports: [EntitlementsService, GrantsService],
})
export class EntitlementsModule {}
