import { Module } from '@nestjs/common';

import { ProjectsModule } from '../projects/projects.module';
import { QuotasModule } from '../quotas/quotas.module';
import { AnalysesController } from './analyses.controller';
import { AnalysesRepository } from './analyses.repository';
import { AnalysesService } from './analyses.service';

@Module({
  imports: [QuotasModule, ProjectsModule],
  controllers: [AnalysesController],
  providers: [AnalysesRepository, AnalysesService],
})
export class AnalysesModule {}
