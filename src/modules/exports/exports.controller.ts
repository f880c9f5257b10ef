import { Body, Controller, Post, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { CurrentUser } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/identity';
import { ConsumesCredits } from '../paywall/paywall.decorators';
import type { PaywalledRequest } from '../paywall/paywall.requirements';
import { CreateExportDto, ExportDto } from './export.dto';
import { ExportsService } from './exports.service';

@ApiTags('exports')
@Controller('v1/exports')
export class ExportsController {
  constructor(private readonly exports: ExportsService) {}

  @Post()
  @ConsumesCredits(1)
  @ApiOperation({ summary: 'Export a project (1 credit)' })
  @ApiCreatedResponse({ type: ExportDto })
  @ApiProblems('validation_failed', 'not_found')
  async create(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: CreateExportDto,
    @Req() request: PaywalledRequest,
  ): Promise<ExportDto> {
    const created = await this.exports.create(user.account.id, body.projectId);
    return { ...created, creditsRemaining: request.paywall?.creditsRemaining ?? 0 };
  }
}
