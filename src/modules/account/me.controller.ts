import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { NoStore } from '../../common/http/no-store.decorator';
import { Authenticated, CurrentUser } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/identity';
import { MeDto } from './account.dto';
import { AccountService } from './account.service';

@ApiTags('account')
@Controller('v1/me')
export class MeController {
  constructor(private readonly account: AccountService) {}

  @Get()
  @Authenticated()
  @NoStore()
  @ApiOperation({ summary: 'The calling user, with subscription, entitlements and credits' })
  @ApiOkResponse({ type: MeDto })
  me(@CurrentUser() user: AuthenticatedUser): Promise<MeDto> {
    return this.account.profile(user.id);
  }
}
