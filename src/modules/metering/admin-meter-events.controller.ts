import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { NoStore } from '../../common/http/no-store.decorator';
import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { Authenticated } from '../auth/auth.decorators';
import { MeterEventListDto, MeterEventQueryDto } from './meter-events.dto';
import { MeterEventOutbox } from './meter-event-outbox.service';

@ApiTags('admin: meter events')
@Controller('v1/admin/meter-events')
@Authenticated({ role: 'admin' })
export class AdminMeterEventsController {
  constructor(private readonly meterEvents: MeterEventOutbox) {}

  @Get()
  @NoStore()
  @ApiOperation({
    summary: 'Overage reported (or to report) to Stripe as meter events, newest first, paginated',
  })
  @ApiOkResponse({ type: MeterEventListDto })
  @ApiProblems('validation_failed')
  list(@Query() query: MeterEventQueryDto): Promise<MeterEventListDto> {
    return this.meterEvents.list(query.status, query.cursor, query.limit ?? 50);
  }
}
