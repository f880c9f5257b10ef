import { Injectable, OnModuleInit } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import { Project } from '../../generated/prisma/client';
import { FeatureUsageService } from '../entitlements/feature-usage.service';
import { EntitlementsCache } from '../paywall/entitlements-cache.service';
import { PaymentRequiredFactory } from '../paywall/payment-required.factory';
import { ProjectDto } from './project.dto';
import { ProjectsRepository } from './projects.repository';

export const PROJECTS_FEATURE = 'projects';

@Injectable()
export class ProjectsService implements OnModuleInit {
  constructor(
    private readonly projects: ProjectsRepository,
    private readonly usage: FeatureUsageService,
    private readonly cache: EntitlementsCache,
    private readonly paymentRequired: PaymentRequiredFactory,
  ) {}

  onModuleInit(): void {
    this.usage.register(PROJECTS_FEATURE, (userId) => this.projects.count(userId));
  }

  /** `limit` is what the guard found the plan allows; the repository enforces it atomically. */
  async create(userId: string, name: string, limit: number | null, route: string): Promise<ProjectDto> {
    const outcome = await this.projects.createWithinLimit(userId, name, limit);
    if ('project' in outcome) return toProjectDto(outcome.project);
    throw await this.paymentRequired.create({
      code: 'limit_reached',
      feature: PROJECTS_FEATURE,
      route,
      entitlements: await this.cache.get(userId),
      limit: { limit: limit!, used: outcome.full },
    });
  }

  async list(userId: string): Promise<ProjectDto[]> {
    return (await this.projects.list(userId)).map(toProjectDto);
  }

  async get(userId: string, id: string): Promise<ProjectDto> {
    const project = await this.projects.find(userId, id);
    if (!project) throw new DomainError('not_found', 'No such project.');
    return toProjectDto(project);
  }

  async delete(userId: string, id: string): Promise<void> {
    if (!(await this.projects.delete(userId, id))) throw new DomainError('not_found', 'No such project.');
  }
}

function toProjectDto(project: Project): ProjectDto {
  return { id: project.id, name: project.name, createdAt: project.createdAt.toISOString() };
}
