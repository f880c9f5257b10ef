import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';

import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { UuidParam } from '../../common/validation/uuid-param.pipe';
import { Authenticated, CurrentUser } from '../auth/auth.decorators';
import { WithinLimit } from '../paywall/paywall.decorators';
import { CurrentSubject } from '../paywall/current-subject.decorator';
import type { PaywallSubject } from '../paywall/paywall.requirements';
import type { AuthenticatedUser } from '../auth/identity';
import { CreateProjectDto, ProjectDto, ProjectListDto } from './project.dto';
import { PROJECTS_FEATURE } from './projects.feature';
import { ProjectsService } from './projects.service';

@ApiTags('projects')
@Controller('v1/projects')
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @Post()
  @WithinLimit(PROJECTS_FEATURE)
  @ApiOperation({ summary: 'Create a project (counted against the plan limit `projects`)' })
  @ApiCreatedResponse({ type: ProjectDto })
  @ApiProblems('validation_failed')
  create(@CurrentSubject() subject: PaywallSubject, @Body() body: CreateProjectDto): Promise<ProjectDto> {
    return this.projects.create(subject, body.name);
  }

  @Get()
  @Authenticated()
  @ApiOkResponse({ type: ProjectListDto })
  async list(@CurrentUser() user: AuthenticatedUser): Promise<ProjectListDto> {
    return { data: await this.projects.list(user.account.id) };
  }

  @Get(':id')
  @Authenticated()
  @ApiOkResponse({ type: ProjectDto })
  @ApiProblems('validation_failed', 'not_found')
  get(@CurrentUser() user: AuthenticatedUser, @Param('id', UuidParam) id: string): Promise<ProjectDto> {
    return this.projects.get(user.account.id, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated()
  @ApiNoContentResponse()
  @ApiProblems('validation_failed', 'not_found')
  delete(@CurrentUser() user: AuthenticatedUser, @Param('id', UuidParam) id: string): Promise<void> {
    return this.projects.delete(user.account.id, id);
  }
}
