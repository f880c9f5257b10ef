import { Module } from '@nestjs/common';

import { PaywallModule } from '../paywall/paywall.module';
import { ExportsController } from './exports.controller';
import { ExportsRepository } from './exports.repository';
import { ExportsService } from './exports.service';

@Module({
  imports: [PaywallModule],
  controllers: [ExportsController],
  providers: [ExportsRepository, ExportsService],
  exports: [ExportsService],
})
export class ExportsModule {}
