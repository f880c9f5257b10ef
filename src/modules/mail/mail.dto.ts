import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

import { PageQueryDto } from '../../common/validation/page-query.dto';
import { MailStatus } from '../../generated/prisma/enums';

const STATUSES = Object.values(MailStatus);

export class MailQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: STATUSES })
  @IsOptional()
  @IsIn(STATUSES, { message: `status must be one of ${STATUSES.join(', ')}` })
  status?: MailStatus;
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
