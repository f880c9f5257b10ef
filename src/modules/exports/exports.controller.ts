import { Body, Controller, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { CurrentSubject } from '../paywall/current-subject.decorator';
import { SpendsCredits } from '../paywall/paywall.decorators';
import type { PaywallSubject } from '../paywall/paywall.requirements';
import { CreateExportDto, ExportDto } from './export.dto';
import { EXPORT_CREDITS, ExportsService } from './exports.service';

@ApiTags('exports')
@Controller('v1/exports')
export class ExportsController {
  constructor(private readonly exports: ExportsService) {}

  @Post()
  @SpendsCredits(EXPORT_CREDITS)
  @ApiOperation({ summary: 'Export a project (1 credit)' })
  @ApiCreatedResponse({ type: ExportDto })
  @ApiProblems('validation_failed', 'not_found')
  create(@CurrentSubject() subject: PaywallSubject, @Body() body: CreateExportDto): Promise<ExportDto> {
    return this.exports.create(subject, body.projectId);
  }
}
