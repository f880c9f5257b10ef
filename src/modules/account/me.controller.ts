import { Body, Controller, Delete, Get, HttpCode, Patch } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { NoStore } from '../../common/http/no-store.decorator';
import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { Authenticated, Client, CurrentUser } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/identity';
import type { ClientInfo } from '../sessions/sessions.repository';
import { AccountExportDto, DeleteMeDto, MeDto, UpdateMeDto } from './account.dto';
import { AccountDeletionService } from './account-deletion.service';
import { AccountService } from './account.service';

@ApiTags('account')
@Controller('v1/me')
@Authenticated()
export class MeController {
  constructor(
    private readonly account: AccountService,
    private readonly deletion: AccountDeletionService,
  ) {}

  @Get()
  @NoStore()
  @ApiOperation({ summary: 'The calling user, with subscription, entitlements and credits' })
  @ApiOkResponse({ type: MeDto })
  me(@CurrentUser() user: AuthenticatedUser): Promise<MeDto> {
    return this.account.profile(user.id);
  }

  @Patch()
  @NoStore()
  @ApiOperation({ summary: 'Change your name' })
  @ApiOkResponse({ type: MeDto })
  @ApiProblems('validation_failed')
  rename(@CurrentUser() user: AuthenticatedUser, @Body() body: UpdateMeDto): Promise<MeDto> {
    return this.account.rename(user.id, body.name);
  }

  @Get('export')
  @NoStore()
  @ApiOperation({ summary: 'Everything kept about you, as JSON' })
  @ApiOkResponse({ type: AccountExportDto })
  export(@CurrentUser() user: AuthenticatedUser): Promise<AccountExportDto> {
    return this.account.export(user.id);
  }

  @Delete()
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete your account',
    description:
      'Cancels your Stripe subscriptions at once, ends your sessions and API keys, and erases your name and email (billing records stay, without them); the email can sign up again.',
  })
  @ApiNoContentResponse()
  @ApiProblems(
    'validation_failed',
    'wrong_password',
    'too_many_attempts',
    'forbidden_for_api_key',
    'last_admin',
    'stripe_unavailable',
  )
  delete(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: DeleteMeDto,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.deletion.deleteOwn(user, body.password, client);
  }
}
