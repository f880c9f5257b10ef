import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { NoStore } from '../../common/http/no-store.decorator';
import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { Authenticated } from '../auth/auth.decorators';
import { AuditEventListDto, AuditQueryDto } from './audit.dto';
import { AuditTrailService } from './audit-trail.service';

@ApiTags('admin: audit')
@Controller('v1/admin/audit')
@Authenticated({ role: 'admin' })
export class AdminAuditController {
  constructor(private readonly trail: AuditTrailService) {}

  @Get()
  @NoStore()
  @ApiOperation({
    summary: 'The security log, newest first',
    description: 'Logins, throttling, API keys, role and status changes, every admin write.',
  })
  @ApiOkResponse({ type: AuditEventListDto })
  @ApiProblems('validation_failed')
  list(@Query() query: AuditQueryDto): Promise<AuditEventListDto> {
    return this.trail.page(query);
  }
}
