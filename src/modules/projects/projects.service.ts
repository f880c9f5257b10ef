import { Injectable } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import { Project } from '../../generated/prisma/client';
import { ChangeFeed } from '../change-feed/change-feed.service';
import { PaywallService } from '../paywall/paywall.service';
import { PaywallSubject } from '../paywall/paywall.requirements';
import { ProjectDto } from './project.dto';
import { PROJECTS_FEATURE } from './projects.feature';
import { ProjectsRepository } from './projects.repository';

@Injectable()
export class ProjectsService {
  constructor(
    private readonly projects: ProjectsRepository,
    private readonly paywall: PaywallService,
    private readonly changes: ChangeFeed,
  ) {}

  async create(subject: PaywallSubject, name: string): Promise<ProjectDto> {
    const project = await this.paywall.createBelowLimit(subject, PROJECTS_FEATURE, (limit, tx) =>
      this.projects.createBelow(subject.accountId, name, limit, tx),
    );
    return toProjectDto(project);
  }

  async list(accountId: string): Promise<ProjectDto[]> {
    return (await this.projects.list(accountId)).map(toProjectDto);
  }

  async get(accountId: string, id: string): Promise<ProjectDto> {
    const project = await this.projects.find(accountId, id);
    if (!project) throw new DomainError('not_found', 'No such project.');
    return toProjectDto(project);
  }

  async delete(accountId: string, id: string): Promise<void> {
    if (!(await this.projects.delete(accountId, id))) throw new DomainError('not_found', 'No such project.');
    // Counted by the `projects` limit: GET /v1/me keeps the count.
    this.changes.local({ kind: 'usage', accountId });
  }

  count(accountId: string): Promise<number> {
    return this.projects.countUsage(accountId);
  }

  /** Whether the project is the user's. */
  async exists(accountId: string, id: string): Promise<boolean> {
    return (await this.projects.find(accountId, id)) !== null;
  }
}

function toProjectDto(project: Project): ProjectDto {
  return { id: project.id, name: project.name, createdAt: project.createdAt.toISOString() };
}
