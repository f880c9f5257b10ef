import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, Max, Min } from 'class-validator';

import { PriceChoiceDto } from './billing.dto';
import { MAX_QUANTITY } from './subscription-quantity';

export class CancelSubscriptionDto {
  @ApiPropertyOptional({
    default: true,
    description: 'true: runs until the period ends (Stripe cancel_at_period_end); false: ends now',
  })
  @IsOptional()
  @IsBoolean({ message: 'atPeriodEnd must be true or false' })
  atPeriodEnd?: boolean;
}

export class SubscriptionSwapDto extends PriceChoiceDto {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_QUANTITY,
    description:
      'Change: for prices that are not per seat (a per-seat price takes the member count). Preview: for per-seat prices only (default: the member count).',
  })
  @IsOptional()
  @IsInt({ message: 'quantity must be a whole number' })
  @Min(1, { message: 'quantity must be at least 1' })
  @Max(MAX_QUANTITY, { message: `quantity must be at most ${MAX_QUANTITY}` })
  quantity?: number;
}

export class InvoicePreviewLineDto {
  @ApiProperty({ example: 'Remaining time on 1 × Team after 01 Dec 2026' }) description!: string;
  @ApiProperty({ description: 'In the smallest currency unit; negative for a credit', example: 1450 })
  amount!: number;
  @ApiProperty({ description: 'A proration of the change (else a regular line of the next period)' })
  proration!: boolean;
}

export class InvoicePreviewDto {
  @ApiProperty({
    description: 'What the invoice would ask for, in the smallest currency unit',
    example: 2900,
  })
  amountDue!: number;
  @ApiProperty({ example: 'usd' }) currency!: string;
  @ApiProperty({ type: [InvoicePreviewLineDto] }) lines!: InvoicePreviewLineDto[];
}
