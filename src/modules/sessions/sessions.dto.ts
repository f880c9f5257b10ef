import { ApiProperty } from '@nestjs/swagger';

export class SessionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({
    format: 'date-time',
    description:
      'When it last signed in or refreshed its access token (so within ACCESS_TOKEN_TTL of its last request).',
  })
  lastUsedAt!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Client IP at the last sign-in or refresh' })
  ip!: string | null;
  @ApiProperty({ type: String, nullable: true }) userAgent!: string | null;
  @ApiProperty({ description: 'The session of the token making this request' }) current!: boolean;
}

export class SessionListDto {
  @ApiProperty({ type: [SessionDto] }) data!: SessionDto[];
}
