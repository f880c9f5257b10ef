import { Injectable } from '@nestjs/common';

import { ExportsService } from '../exports/exports.service';
import { ProjectsService } from '../projects/projects.service';
import { ReportSummaryDto } from './report.dto';

@Injectable()
export class ReportsService {
  constructor(
    private readonly projects: ProjectsService,
    private readonly exports: ExportsService,
  ) {}

  async summary(accountId: string): Promise<ReportSummaryDto> {
    const [projects, exports] = await Promise.all([
      this.projects.count(accountId),
      this.exports.count(accountId),
    ]);
    return { projects, exports, generatedAt: new Date().toISOString() };
  }
}
