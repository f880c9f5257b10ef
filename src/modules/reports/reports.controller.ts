import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';

import { CurrentUser } from '../auth/current-user.decorator';
import { RequiresFeature } from '../paywall/paywall.decorators';
import type { AuthenticatedUser } from '../users/user.types';
import { ReportsService } from './reports.service';

export class ReportSummaryDto {
  @ApiProperty() projects!: number;
  @ApiProperty() exports!: number;
  @ApiProperty() generatedAt!: string;
}

export class FeatureAccessDto {
  @ApiProperty({ example: 'reports' }) feature!: string;
  @ApiProperty({ example: true }) granted!: true;
}

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
    return this.reports.summary(user.id);
  }
}
