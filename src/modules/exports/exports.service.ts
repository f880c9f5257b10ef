import { Injectable } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import { ProjectsService } from '../projects/projects.service';
import { ExportsRepository } from './exports.repository';

@Injectable()
export class ExportsService {
  constructor(
    private readonly exports: ExportsRepository,
    private readonly projects: ProjectsService,
  ) {}

  async create(
    accountId: string,
    projectId: string,
  ): Promise<{ id: string; projectId: string; createdAt: string }> {
    if (!(await this.projects.exists(accountId, projectId)))
      throw new DomainError('not_found', 'No such project.');
    const created = await this.exports.create(accountId, projectId);
    return { id: created.id, projectId: created.projectId, createdAt: created.createdAt.toISOString() };
  }

  count(accountId: string): Promise<number> {
    return this.exports.count(accountId);
  }
}
