import { ApiProperty } from '@nestjs/swagger';

import { QUOTA_PERIODS, type QuotaPeriodName } from '../plans/plan.dto';

export class OverageUsageDto {
  @ApiProperty({ description: 'The Stripe metered price the uses past the limit are billed on' })
  priceId!: string;
  @ApiProperty({ description: 'Uses past the limit this period' }) units!: number;
}

export class UsageDto {
  @ApiProperty({ example: 'analyses' }) feature!: string;
  @ApiProperty({ type: Number, nullable: true, description: 'null = unlimited (counted only)' })
  limit!: number | null;
  @ApiProperty({ description: 'Uses this period, past the limit included' }) used!: number;
  @ApiProperty({ enum: QUOTA_PERIODS }) period!: QuotaPeriodName;
  @ApiProperty({ description: 'When the period ends and the quota resets (ISO 8601)' }) resetsAt!: string;
  @ApiProperty({ type: OverageUsageDto, nullable: true }) overage!: OverageUsageDto | null;
}

export class UsageListDto {
  @ApiProperty({ type: [UsageDto] }) data!: UsageDto[];
}
