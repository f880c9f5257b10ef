import { Module } from '@nestjs/common';

import { ProjectsModule } from '../projects/projects.module';
import { QuotasModule } from '../quotas/quotas.module';
import { AnalysesController } from './analyses.controller';
import { AnalysesRepository } from './analyses.repository';
import { AnalysesService } from './analyses.service';
import { EstimatesController } from './estimates.controller';

@Module({
  imports: [QuotasModule, ProjectsModule],
  controllers: [AnalysesController, EstimatesController],
  providers: [AnalysesRepository, AnalysesService],
})
export class AnalysesModule {}
