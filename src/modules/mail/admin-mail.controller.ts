import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { NoStore } from '../../common/http/no-store.decorator';
import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { Authenticated } from '../auth/auth.decorators';
import { MailListDto, MailQueryDto } from './mail.dto';
import { MailOutbox } from './mail-outbox.service';

@ApiTags('admin: mail')
@Controller('v1/admin/mail')
@Authenticated({ role: 'admin' })
export class AdminMailController {
  constructor(private readonly mail: MailOutbox) {}

  @Get()
  @NoStore()
  @ApiOperation({ summary: 'The mail outbox, newest first, paginated' })
  @ApiOkResponse({ type: MailListDto })
  @ApiProblems('validation_failed')
  list(@Query() query: MailQueryDto): Promise<MailListDto> {
    return this.mail.list(query.status, query.cursor, query.limit ?? 50);
  }
}
