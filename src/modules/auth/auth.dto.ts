import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

import { EmailField, NoNullBytes, TextField } from '../../common/validation/text.decorators';
import { UserDto } from '../users/user.dto';

export class SignupDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 320 })
  @EmailField()
  email!: string;

  @ApiProperty({
    minLength: 12,
    maxLength: 256,
    description:
      'At least PASSWORD_MIN_LENGTH characters (12 by default); not a well-known breached password; not containing the email before the @ (400 `weak_password`).',
  })
  // The policy's own limits answer `weak_password`; this bound only keeps absurd bodies from being hashed.
  @TextField({ max: 1024 })
  password!: string;

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @TextField({ max: 200 })
  name?: string;
}

export class LoginDto {
  @ApiProperty({ example: 'ada@example.com' })
  @EmailField()
  email!: string;

  // No policy at login: accounts created under older rules still log in.
  @ApiProperty()
  @IsString()
  @MaxLength(1024)
  @NoNullBytes()
  password!: string;
}

export class RefreshDto {
  @ApiProperty({ description: 'The refresh token of the last sign-in or refresh (each works once)' })
  @IsString()
  @MaxLength(2048)
  refreshToken!: string;
}

export class TokensDto {
  @ApiProperty({ description: 'JWT; send as Authorization: Bearer <token>' }) accessToken!: string;
  @ApiProperty({
    description:
      'Trade it for new tokens with POST /v1/auth/refresh before the access token expires; it works once, and using a spent one ends the session.',
  })
  refreshToken!: string;
  @ApiProperty({ description: 'Seconds the access token works (ACCESS_TOKEN_TTL)', example: 900 })
  expiresIn!: number;
}

export class AuthResponseDto extends TokensDto {
  @ApiProperty({ type: UserDto }) user!: UserDto;
}

export class SessionDto {
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ enum: ['user', 'admin'] }) role!: string;
  @ApiProperty({
    format: 'uuid',
    description: 'The account the request acts for (X-Account-Id, else personal)',
  })
  accountId!: string;
}

export class TokenDto {
  @ApiProperty({ description: 'The token of the link in the mail' })
  @IsString()
  @MaxLength(200)
  token!: string;
}

export class ForgotPasswordDto {
  @ApiProperty({ example: 'ada@example.com' })
  @EmailField()
  email!: string;
}

export class ResetPasswordDto extends TokenDto {
  @ApiProperty({
    minLength: 12,
    maxLength: 256,
    description: 'The new password (the password policy applies)',
  })
  @TextField({ max: 1024 })
  password!: string;
}

export class AcceptedDto {
  @ApiProperty({ example: 'If an account has this email, a mail is on its way.' }) message!: string;
}
