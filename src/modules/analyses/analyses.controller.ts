import { Body, Controller, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { CurrentUser } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/identity';
import { ConsumesQuota } from '../quotas/consumes-quota.decorator';
import { AnalysisDto, CreateAnalysisDto } from './analysis.dto';
import { AnalysesService } from './analyses.service';

/** The quota example: each analysis counts against the plan's `analyses` quota (free plan: 20 a day). */
@ApiTags('analyses')
@Controller('v1/analyses')
export class AnalysesController {
  constructor(private readonly analyses: AnalysesService) {}

  @Post()
  @ConsumesQuota('analyses')
  @ApiOperation({ summary: 'Analyse a project (counted against the quota `analyses`; only a 201 counts)' })
  @ApiCreatedResponse({ type: AnalysisDto })
  @ApiProblems('validation_failed', 'not_found')
  create(@CurrentUser() user: AuthenticatedUser, @Body() body: CreateAnalysisDto): Promise<AnalysisDto> {
    return this.analyses.create(user.account.id, body.projectId);
  }
}
