import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';

import { NoStore } from '../../common/http/no-store.decorator';
import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { CurrentOrigin, type RequestOrigin } from '../../common/http/request-origin';
import { UserDto } from '../users/user.dto';
import { AcceptedDto, ForgotPasswordDto, ResetPasswordDto, TokenDto } from './auth.dto';
import { Authenticated, CurrentUser, Public } from './auth.decorators';
import { CredentialsService } from './credentials.service';
import type { AuthenticatedUser } from './identity';

@ApiTags('auth')
@Controller('v1/auth')
export class CredentialsController {
  constructor(private readonly credentials: CredentialsService) {}

  @Post('verify-email')
  @Public()
  @NoStore()
  @HttpCode(200)
  @ApiOperation({ summary: 'Confirm the email address with the token of the mailed link' })
  @ApiOkResponse({ type: UserDto })
  @ApiProblems('validation_failed', 'invalid_token')
  verifyEmail(@Body() body: TokenDto, @CurrentOrigin() origin: RequestOrigin): Promise<UserDto> {
    return this.credentials.verifyEmail(body.token, origin);
  }

  @Post('verify-email/resend')
  @Authenticated()
  @HttpCode(202)
  @ApiOperation({ summary: 'Mail the confirmation link again (the earlier link stops working)' })
  @ApiAcceptedResponse({ type: AcceptedDto })
  @ApiProblems('email_already_verified', 'too_many_requests')
  async resendVerification(
    @CurrentUser() user: AuthenticatedUser,
    @CurrentOrigin() origin: RequestOrigin,
  ): Promise<AcceptedDto> {
    await this.credentials.resendVerification(user, origin);
    return { message: 'A new confirmation link is on its way.' };
  }

  @Post('password/forgot')
  @Public()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Mail a password reset link',
    description: 'The same answer whether or not an account has this email.',
  })
  @ApiAcceptedResponse({ type: AcceptedDto })
  @ApiProblems('validation_failed', 'too_many_requests')
  async forgotPassword(
    @Body() body: ForgotPasswordDto,
    @CurrentOrigin() origin: RequestOrigin,
  ): Promise<AcceptedDto> {
    await this.credentials.forgotPassword(body.email, origin);
    return { message: 'If an account has this email, a link to reset its password is on its way.' };
  }

  @Post('password/reset')
  @Public()
  @HttpCode(204)
  @ApiOperation({ summary: 'Set a new password with the token of the mailed link; every session ends' })
  @ApiNoContentResponse()
  @ApiProblems('validation_failed', 'invalid_token', 'weak_password')
  resetPassword(@Body() body: ResetPasswordDto, @CurrentOrigin() origin: RequestOrigin): Promise<void> {
    return this.credentials.resetPassword(body.token, body.password, origin);
  }
}
