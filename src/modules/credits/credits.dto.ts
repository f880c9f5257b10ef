import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

import { TextField, TimestampField } from '../../common/validation/text.decorators';

export const MAX_GRANT = 1_000_000_000;

export class GrantCreditsDto {
  @ApiProperty({
    description: 'Credits to add (a whole number)',
    minimum: 1,
    maximum: MAX_GRANT,
    example: 500,
  })
  @IsInt({ message: 'amount must be a whole number' })
  @Min(1)
  @Max(MAX_GRANT)
  amount!: number;

  @ApiProperty({
    description: 'Why, kept with the ledger entry',
    maxLength: 200,
    example: 'Outage compensation',
  })
  @TextField({ max: 200 })
  reason!: string;

  @ApiPropertyOptional({
    description: 'ISO 8601, in the future: what is unspent then leaves the balance; absent = never expires',
  })
  @IsOptional()
  @TimestampField()
  expiresAt?: string;
}

export class CreditGrantEntryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 500 }) delta!: number;
  @ApiProperty() balanceAfter!: number;
  @ApiProperty({ example: 'admin_grant' }) reason!: string;
  @ApiProperty({ description: "The admin's reason" }) note!: string;
  @ApiProperty({ format: 'uuid', description: 'The admin who granted' }) createdBy!: string;
  @ApiProperty({ type: String, nullable: true }) expiresAt!: string | null;
  @ApiProperty() createdAt!: string;
}

export class CreditGrantDto {
  @ApiProperty({ description: "The account's balance after the grant" }) balance!: number;
  @ApiProperty({ type: CreditGrantEntryDto }) entry!: CreditGrantEntryDto;
}

export class CreditExpiryPassDto {
  @ApiProperty({ description: 'False when another instance was running a pass (it does the work)' })
  ran!: boolean;
  @ApiProperty({ description: 'Accounts whose due credits were taken' }) accounts!: number;
  @ApiProperty() creditsExpired!: number;
}
