import { Injectable } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import { ProjectsService } from '../projects/projects.service';
import { AnalysisDto } from './analysis.dto';
import { AnalysesRepository } from './analyses.repository';

@Injectable()
export class AnalysesService {
  constructor(
    private readonly analyses: AnalysesRepository,
    private readonly projects: ProjectsService,
  ) {}

  /** An analysis of one of the account's projects (404 for any other project). */
  async create(accountId: string, projectId: string): Promise<AnalysisDto> {
    if (!(await this.projects.exists(accountId, projectId))) {
      throw new DomainError('not_found', 'No such project.');
    }
    const created = await this.analyses.create(accountId, projectId);
    return { id: created.id, projectId: created.projectId, createdAt: created.createdAt.toISOString() };
  }
}
