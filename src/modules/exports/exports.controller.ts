import { Body, Controller, Post, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { CurrentUser } from '../auth/current-user.decorator';
import { ConsumesCredits } from '../paywall/paywall.decorators';
import type { PaywalledRequest } from '../paywall/paywall.requirements';
import type { AuthenticatedUser } from '../users/user.types';
import { ExportsService } from './exports.service';

export class CreateExportDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'projectId must be the id of one of your projects' })
  projectId!: string;
}

export class ExportDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) projectId!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty() creditsRemaining!: number;
}

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
    const created = await this.exports.create(user.id, body.projectId);
    return { ...created, creditsRemaining: request.paywall?.creditsRemaining ?? 0 };
  }
}
