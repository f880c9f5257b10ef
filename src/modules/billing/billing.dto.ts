import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

export class PriceChoiceDto {
  @ApiProperty({ format: 'uuid', description: "The service's price id (from GET /v1/plans)" })
  @IsUUID('all', { message: 'priceId must be a price id from GET /v1/plans' })
  priceId!: string;
}

export class CheckoutSessionDto {
  @ApiProperty({ description: 'The Stripe Checkout Session id' }) id!: string;
  @ApiProperty({ description: 'Where to send the user to pay' }) url!: string;
}

export class PortalSessionDto {
  @ApiProperty() url!: string;
}

export class SubscriptionSummaryDto {
  @ApiProperty({ example: 'active' }) status!: string;
  @ApiProperty({ type: String, nullable: true, description: 'The plan key' }) plan!: string | null;
  @ApiProperty({ type: String, nullable: true }) priceId!: string | null;
  @ApiProperty({ type: String, nullable: true }) currentPeriodEnd!: string | null;
  @ApiProperty() cancelAtPeriodEnd!: boolean;
  @ApiProperty({ type: String, nullable: true }) trialEnd!: string | null;
  @ApiProperty({ type: String, nullable: true }) graceUntil!: string | null;
  @ApiProperty({
    description: 'Quantity of the subscription item: the seats of a per-seat price',
    example: 1,
  })
  quantity!: number;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "Since when it is paused: Stripe's `paused` status, or payment collection paused",
  })
  pausedAt!: string | null;
}

export class BillingStateDto {
  @ApiProperty({ type: SubscriptionSummaryDto, nullable: true }) subscription!: SubscriptionSummaryDto | null;
  @ApiProperty({ example: { balance: 100 } }) credits!: { balance: number };
}
