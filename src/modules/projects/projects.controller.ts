import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';

import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { UuidParam } from '../../common/validation/uuid-param.pipe';
import { Authenticated } from '../auth/authenticated.decorator';
import { CurrentUser } from '../auth/current-user.decorator';
import { WithinLimit } from '../paywall/paywall.decorators';
import type { PaywalledRequest } from '../paywall/paywall.requirements';
import type { AuthenticatedUser } from '../users/user.types';
import { CreateProjectDto, ProjectDto, ProjectListDto } from './project.dto';
import { PROJECTS_FEATURE, ProjectsService } from './projects.service';

@ApiTags('projects')
@Controller('v1/projects')
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @Post()
  @WithinLimit(PROJECTS_FEATURE)
  @ApiOperation({ summary: 'Create a project (counted against the plan limit `projects`)' })
  @ApiCreatedResponse({ type: ProjectDto })
  @ApiProblems('validation_failed')
  create(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: CreateProjectDto,
    @Req() request: FastifyRequest & PaywalledRequest,
  ): Promise<ProjectDto> {
    const limit = request.paywall?.limits[PROJECTS_FEATURE] ?? null;
    return this.projects.create(user.id, body.name, limit, request.routeOptions.url ?? request.url);
  }

  @Get()
  @Authenticated()
  @ApiOkResponse({ type: ProjectListDto })
  async list(@CurrentUser() user: AuthenticatedUser): Promise<ProjectListDto> {
    return { data: await this.projects.list(user.id) };
  }

  @Get(':id')
  @Authenticated()
  @ApiOkResponse({ type: ProjectDto })
  @ApiProblems('validation_failed', 'not_found')
  get(@CurrentUser() user: AuthenticatedUser, @Param('id', UuidParam) id: string): Promise<ProjectDto> {
    return this.projects.get(user.id, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated()
  @ApiNoContentResponse()
  @ApiProblems('validation_failed', 'not_found')
  delete(@CurrentUser() user: AuthenticatedUser, @Param('id', UuidParam) id: string): Promise<void> {
    return this.projects.delete(user.id, id);
  }
}
