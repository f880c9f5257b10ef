import { Module } from '@nestjs/common';

import { ExportsModule } from '../exports/exports.module';
import { ProjectsModule } from '../projects/projects.module';
import { ReportsController } from './reports.controller';
import { ReportsService } from './reports.service';

@Module({
  imports: [ProjectsModule, ExportsModule],
  controllers: [ReportsController],
  providers: [ReportsService],
})
export class ReportsModule {}
