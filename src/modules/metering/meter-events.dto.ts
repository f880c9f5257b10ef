import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

import { PageQueryDto } from '../../common/validation/page-query.dto';
import { MeterEventStatus } from '../../generated/prisma/enums';

const STATUSES = Object.values(MeterEventStatus);

export class MeterEventQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: STATUSES })
  @IsOptional()
  @IsIn(STATUSES, { message: `status must be one of ${STATUSES.join(', ')}` })
  status?: MeterEventStatus;
}

export class MeterEventEntryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid', description: 'The account billed' }) accountId!: string;
  @ApiProperty({ example: 'analyses_overage', description: "The meter's event_name" }) eventName!: string;
  @ApiProperty({ description: 'Start of the window the units were counted in' }) windowStart!: string;
  @ApiProperty() windowEnd!: string;
  @ApiProperty({ description: 'Units past the limit in the window: the meter event’s value' }) value!: number;
  @ApiProperty({
    example: 'tg_3f0c…',
    description: 'The meter event’s identifier, the same on every attempt',
  })
  identifier!: string;
  @ApiProperty({ enum: STATUSES }) status!: MeterEventStatus;
  @ApiProperty({ description: 'Attempts to send it so far' }) attempts!: number;
  @ApiProperty({ type: String, nullable: true, description: "The last attempt's error (Stripe's message)" })
  lastError!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ type: String, nullable: true }) sentAt!: string | null;
}

export class MeterEventListDto {
  @ApiProperty({ type: [MeterEventEntryDto] }) data!: MeterEventEntryDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
