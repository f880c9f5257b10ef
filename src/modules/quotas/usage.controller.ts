import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { NoStore } from '../../common/http/no-store.decorator';
import { Authenticated, CurrentUser } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/identity';
import { QuotaService } from './quota.service';
import { UsageListDto } from './usage.dto';

@ApiTags('usage')
@Controller('v1/usage')
@Authenticated()
export class UsageController {
  constructor(private readonly quota: QuotaService) {}

  @Get()
  @NoStore()
  @ApiOperation({ summary: "The acting account's quotas: limit, use and reset of each this period" })
  @ApiOkResponse({ type: UsageListDto })
  async usage(@CurrentUser() user: AuthenticatedUser): Promise<UsageListDto> {
    return { data: await this.quota.usage(user.account.id) };
  }
}
