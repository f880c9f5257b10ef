import { Global, Module } from '@nestjs/common';

import { InstanceLivenessService } from './instance-liveness.service';
import { PrismaService } from './prisma.service';

@Global()
@Module({
  providers: [PrismaService, InstanceLivenessService],
  exports: [PrismaService, InstanceLivenessService],
})
export class DatabaseModule {}
