import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { CurrentUser } from '../auth/auth.decorators';
import { RequiresFeature } from '../paywall/paywall.decorators';
import type { AuthenticatedUser } from '../auth/identity';
import { FeatureAccessDto, ReportSummaryDto } from './report.dto';
import { ReportsService } from './reports.service';

@ApiTags('reports')
@Controller('v1/reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Get('access')
  @RequiresFeature('reports')
  @ApiOperation({
    summary: 'Whether reports are open to you, without computing one',
    description:
      'For clients deciding what to show: 200 when open, else the same 402 as the reports themselves.',
  })
  @ApiOkResponse({ type: FeatureAccessDto })
  access(): FeatureAccessDto {
    return { feature: 'reports', granted: true };
  }

  @Get('summary')
  @RequiresFeature('reports')
  @ApiOperation({ summary: 'A summary of your projects and exports (feature `reports`)' })
  @ApiOkResponse({ type: ReportSummaryDto })
  summary(@CurrentUser() user: AuthenticatedUser): Promise<ReportSummaryDto> {
    return this.reports.summary(user.account.id);
  }
}
