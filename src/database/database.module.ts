import { Global, Module } from '@nestjs/common';

import { MetricsModule } from '../modules/metrics/metrics.module';
import { InstanceLivenessService } from './instance-liveness.service';
import { PrismaService } from './prisma.service';

@Global()
@Module({
  imports: [MetricsModule],
  providers: [PrismaService, InstanceLivenessService],
  exports: [PrismaService, InstanceLivenessService],
})
export class DatabaseModule {}
