import { Body, Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Throttle, ThrottlerGuard } from '@nestjs/throttler';

import { NoStore } from '../../common/http/no-store.decorator';
import { CurrentOrigin, type RequestOrigin } from '../../common/http/request-origin';
import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import type { AuthenticatedUser } from './identity';
import { AuthResponseDto, LoginDto, RefreshDto, SessionDto, SignupDto, TokensDto } from './auth.dto';
import { Authenticated, CurrentUser, Public } from './auth.decorators';
import { AuthService } from './auth.service';

@ApiTags('auth')
@Controller('v1/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('signup')
  @Public()
  @NoStore()
  @ApiOperation({ summary: 'Create an account and sign in (a new session)' })
  @ApiCreatedResponse({ type: AuthResponseDto })
  @ApiProblems('validation_failed', 'weak_password', 'malformed_json', 'email_taken', 'too_many_requests')
  signup(@Body() body: SignupDto, @CurrentOrigin() origin: RequestOrigin): Promise<AuthResponseDto> {
    return this.auth.signup(body, origin);
  }

  @Post('login')
  @Public()
  @NoStore()
  @HttpCode(200)
  @UseGuards(ThrottlerGuard)
  @Throttle({ default: { limit: 120, ttl: 60_000 } })
  @ApiOperation({ summary: 'Sign in with email and password (a new session)' })
  @ApiOkResponse({ type: AuthResponseDto })
  @ApiProblems('validation_failed', 'invalid_credentials', 'too_many_attempts', 'rate_limited')
  login(@Body() body: LoginDto, @CurrentOrigin() origin: RequestOrigin): Promise<AuthResponseDto> {
    return this.auth.login(body, origin);
  }

  @Post('refresh')
  @Public()
  @NoStore()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Trade a refresh token for new access and refresh tokens',
    description:
      'Each refresh token works once. Presenting a spent one again ends its whole session (401 `session_revoked`), so a stolen copy stops working for the thief and the owner alike.',
  })
  @ApiOkResponse({ type: TokensDto })
  @ApiProblems('validation_failed', 'invalid_refresh_token', 'session_revoked')
  refresh(@Body() body: RefreshDto, @CurrentOrigin() origin: RequestOrigin): Promise<TokensDto> {
    return this.auth.refresh(body.refreshToken, origin);
  }

  @Get('session')
  @Authenticated()
  @NoStore()
  @ApiOperation({
    summary:
      'Who the credentials belong to, as the token or API key says, and the account the request acts for (no lookup of the profile)',
  })
  @ApiOkResponse({ type: SessionDto })
  session(@CurrentUser() user: AuthenticatedUser): SessionDto {
    return { userId: user.id, email: user.email, role: user.role, accountId: user.account.id };
  }
}
