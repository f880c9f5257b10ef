import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

import { EmailField, NoNullBytes, TextField } from '../../common/validation/text.decorators';
import { UserDto } from '../users/user.dto';

export class SignupDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 320 })
  @EmailField()
  email!: string;

  @ApiProperty({ minLength: 8, maxLength: 200 })
  @TextField({ min: 8, max: 200 })
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

  @ApiProperty()
  @IsString()
  @MaxLength(200)
  @NoNullBytes()
  password!: string;
}

export class AuthResponseDto {
  @ApiProperty({ type: UserDto }) user!: UserDto;
  @ApiProperty({ description: 'JWT; send as Authorization: Bearer <token>' }) accessToken!: string;
}

export class SessionDto {
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ enum: ['user', 'admin'] }) role!: string;
}
