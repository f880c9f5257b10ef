import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { Authenticated } from '../auth/auth.decorators';
import { WebhookEventListDto, WebhookEventDto, WebhookEventsQueryDto } from './webhook-event.dto';
import { WebhookAdminService } from './webhook-admin.service';

@ApiTags('admin: billing')
@Controller('v1/admin/webhook-events')
@Authenticated({ role: 'admin' })
export class AdminWebhookEventsController {
  constructor(private readonly webhooks: WebhookAdminService) {}

  @Get()
  @ApiOperation({ summary: 'Stored Stripe events, newest first (at most 100)' })
  @ApiOkResponse({ type: WebhookEventListDto })
  @ApiProblems('validation_failed')
  async list(@Query() query: WebhookEventsQueryDto): Promise<WebhookEventListDto> {
    return { data: await this.webhooks.list(query.status) };
  }

  @Post(':id/replay')
  @HttpCode(200)
  @ApiOperation({ summary: 'Process a stored event again now' })
  @ApiOkResponse({ type: WebhookEventDto })
  @ApiProblems('not_found', 'conflict')
  replay(@Param('id') id: string): Promise<WebhookEventDto> {
    return this.webhooks.replay(id);
  }
}
