import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

const STATUSES = ['pending', 'processing', 'processed', 'failed', 'ignored'] as const;
export type WebhookEventStatusName = (typeof STATUSES)[number];

export class WebhookEventsQueryDto {
  @ApiPropertyOptional({ enum: STATUSES })
  @IsOptional()
  @IsIn(STATUSES, { message: `status must be one of ${STATUSES.join(', ')}` })
  status?: WebhookEventStatusName;
}

export class WebhookEventDto {
  @ApiProperty({ example: 'evt_1N…' }) id!: string;
  @ApiProperty({ example: 'invoice.paid' }) type!: string;
  @ApiProperty({ enum: STATUSES }) status!: WebhookEventStatusName;
  @ApiProperty() attempts!: number;
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty() receivedAt!: string;
  @ApiProperty({ type: String, nullable: true }) processedAt!: string | null;
  @ApiProperty() nextAttemptAt!: string;
}

export class WebhookEventListDto {
  @ApiProperty({ type: [WebhookEventDto] }) data!: WebhookEventDto[];
}
