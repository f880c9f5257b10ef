import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Matches, Max, MaxLength, Min, ValidateIf } from 'class-validator';

import { TimestampField } from '../../common/validation/text.decorators';

export class CreateGrantDto {
  @ApiProperty({ example: 'reports' })
  @Matches(/^[a-z0-9]+(?:[-_][a-z0-9]+)*$/, { message: 'feature must be a feature key (a slug)' })
  @MaxLength(64)
  feature!: string;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    description: 'For limited features; null or absent = unlimited',
  })
  @IsOptional()
  @ValidateIf((grant: CreateGrantDto) => grant.limit !== null)
  @IsInt()
  @Min(0)
  @Max(2_000_000_000)
  limit?: number | null;

  @ApiPropertyOptional({ description: 'ISO 8601; absent = until revoked' })
  @IsOptional()
  @TimestampField()
  expiresAt?: string;
}

export class GrantDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() feature!: string;
  @ApiProperty({ type: Number, nullable: true }) limit!: number | null;
  @ApiProperty({ type: String, nullable: true }) expiresAt!: string | null;
  @ApiProperty() createdAt!: string;
}
