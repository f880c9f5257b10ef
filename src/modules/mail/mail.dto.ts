import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

import { MailStatus } from '../../generated/prisma/enums';

const STATUSES = Object.values(MailStatus);

export class MailQueryDto {
  @ApiPropertyOptional({ enum: STATUSES })
  @IsOptional()
  @IsIn(STATUSES, { message: `status must be one of ${STATUSES.join(', ')}` })
  status?: MailStatus;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,200}$/, { message: 'cursor must be a nextCursor value' })
  cursor?: string;

  @ApiPropertyOptional({ default: 50, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

export class MailEntryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'ada@example.com' }) to!: string;
  @ApiProperty({ example: 'api-key-created' }) template!: string;
  @ApiProperty({ enum: STATUSES }) status!: MailStatus;
  @ApiProperty({ description: 'Attempts to send it so far' }) attempts!: number;
  @ApiProperty({ type: String, nullable: true, description: "The last attempt's error (the server's reply)" })
  lastError!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ type: String, nullable: true }) sentAt!: string | null;
}

export class MailListDto {
  @ApiProperty({ type: [MailEntryDto] }) data!: MailEntryDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
