import { Body, Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Throttle, ThrottlerGuard } from '@nestjs/throttler';

import { NoStore } from '../../common/http/no-store.decorator';
import { CurrentOrigin, type RequestOrigin } from '../../common/http/request-origin';
import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import type { AuthenticatedUser } from './identity';
import { AuthResponseDto, LoginDto, SessionDto, SignupDto } from './auth.dto';
import { Authenticated, CurrentUser, Public } from './auth.decorators';
import { AuthService } from './auth.service';

@ApiTags('auth')
@Controller('v1/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('signup')
  @Public()
  @NoStore()
  @ApiOperation({ summary: 'Create an account and get an access token' })
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
  @ApiOperation({ summary: 'Exchange email and password for an access token' })
  @ApiOkResponse({ type: AuthResponseDto })
  @ApiProblems('validation_failed', 'invalid_credentials', 'too_many_attempts', 'rate_limited')
  login(@Body() body: LoginDto, @CurrentOrigin() origin: RequestOrigin): Promise<AuthResponseDto> {
    return this.auth.login(body, origin);
  }

  @Get('session')
  @Authenticated()
  @NoStore()
  @ApiOperation({
    summary: 'Who the credentials belong to, as the token or API key says (no lookup of the profile)',
  })
  @ApiOkResponse({ type: SessionDto })
  session(@CurrentUser() user: AuthenticatedUser): SessionDto {
    return { userId: user.id, email: user.email, role: user.role };
  }
}
