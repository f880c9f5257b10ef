import { Body, Controller, Delete, Get, Header, HttpCode, Patch, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';

import { NoStore } from '../../common/http/no-store.decorator';
import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { Authenticated, CurrentUser } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/identity';
import { CurrentOrigin, type RequestOrigin } from '../../common/http/request-origin';
import { AcceptedDto } from '../auth/auth.dto';
import { CredentialsService } from '../auth/credentials.service';
import { UserDto } from '../users/user.dto';
import {
  AccountExportDto,
  ChangeEmailDto,
  ChangePasswordDto,
  ConfirmEmailDto,
  DeleteMeDto,
  MeDto,
  UpdateMeDto,
} from './account.dto';
import { AccountDeletionService } from './account-deletion.service';
import { AccountService } from './account.service';

@ApiTags('account')
@Controller('v1/me')
@Authenticated()
export class MeController {
  constructor(
    private readonly account: AccountService,
    private readonly deletion: AccountDeletionService,
    private readonly credentials: CredentialsService,
  ) {}

  @Get()
  @NoStore()
  @Header('Content-Type', 'application/json; charset=utf-8')
  @ApiOperation({
    summary:
      'The calling user, with subscription, entitlements and credits, their accounts and the acting one',
  })
  @ApiOkResponse({ type: MeDto })
  me(@CurrentUser() user: AuthenticatedUser): Promise<string> {
    // MeDto, serialized by the service: most of it once per change, not once per request.
    return this.account.profileJson(user);
  }

  @Patch()
  @NoStore()
  @ApiOperation({ summary: 'Change your name' })
  @ApiOkResponse({ type: MeDto })
  @ApiProblems('validation_failed')
  rename(@CurrentUser() user: AuthenticatedUser, @Body() body: UpdateMeDto): Promise<MeDto> {
    return this.account.rename(user, body.name);
  }

  @Post('password')
  @HttpCode(204)
  @ApiOperation({ summary: 'Change your password: your other sessions end, and a notice is mailed' })
  @ApiNoContentResponse()
  @ApiProblems(
    'validation_failed',
    'wrong_password',
    'weak_password',
    'too_many_attempts',
    'forbidden_for_api_key',
  )
  changePassword(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: ChangePasswordDto,
    @CurrentOrigin() origin: RequestOrigin,
  ): Promise<void> {
    return this.credentials.changePassword(user, body.currentPassword, body.newPassword, origin);
  }

  @Post('email')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Change your email: a confirmation link goes to the new address',
    description: 'Nothing changes until the link is followed (POST /v1/me/email/confirm).',
  })
  @ApiAcceptedResponse({ type: AcceptedDto })
  @ApiProblems(
    'validation_failed',
    'wrong_password',
    'email_taken',
    'too_many_attempts',
    'too_many_requests',
    'forbidden_for_api_key',
  )
  async changeEmail(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: ChangeEmailDto,
    @CurrentOrigin() origin: RequestOrigin,
  ): Promise<AcceptedDto> {
    await this.credentials.requestEmailChange(user, body.email, body.password, origin);
    return { message: `A confirmation link is on its way to ${body.email}.` };
  }

  @Post('email/confirm')
  @NoStore()
  @HttpCode(200)
  @ApiOperation({ summary: 'Make the email change that the mailed link confirms; the old address is told' })
  @ApiOkResponse({ type: UserDto })
  @ApiProblems('validation_failed', 'invalid_token', 'email_taken')
  confirmEmail(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: ConfirmEmailDto,
    @CurrentOrigin() origin: RequestOrigin,
  ): Promise<UserDto> {
    return this.credentials.confirmEmailChange(user, body.token, origin);
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
    @CurrentOrigin() origin: RequestOrigin,
  ): Promise<void> {
    return this.deletion.deleteOwn(user, body.password, origin);
  }
}
