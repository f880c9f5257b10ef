import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Throttle, ThrottlerGuard } from '@nestjs/throttler';

import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { AuthResponseDto, LoginDto, SignupDto } from './auth.dto';
import { AuthService } from './auth.service';

@ApiTags('auth')
@Controller('v1/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('signup')
  @ApiOperation({ summary: 'Create an account and get an access token' })
  @ApiCreatedResponse({ type: AuthResponseDto })
  @ApiProblems('validation_failed', 'malformed_json', 'email_taken')
  signup(@Body() body: SignupDto): Promise<AuthResponseDto> {
    return this.auth.signup(body);
  }

  @Post('login')
  @HttpCode(200)
  @UseGuards(ThrottlerGuard)
  @Throttle({ default: { limit: 120, ttl: 60_000 } })
  @ApiOperation({ summary: 'Exchange email and password for an access token' })
  @ApiOkResponse({ type: AuthResponseDto })
  @ApiProblems('validation_failed', 'invalid_credentials', 'too_many_attempts', 'rate_limited')
  login(@Body() body: LoginDto): Promise<AuthResponseDto> {
    return this.auth.login(body);
  }
}
