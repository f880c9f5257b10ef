import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsInt, IsOptional, Matches, Max, MaxLength, Min, ValidateIf } from 'class-validator';

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
  @IsISO8601({ strict: true }, { message: 'expiresAt must be an ISO 8601 timestamp' })
  expiresAt?: string;
}

export class GrantDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() feature!: string;
  @ApiProperty({ type: Number, nullable: true }) limit!: number | null;
  @ApiProperty({ type: String, nullable: true }) expiresAt!: string | null;
  @ApiProperty() createdAt!: string;
}
