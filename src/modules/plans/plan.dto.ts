import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO4217CurrencyCode,
  IsOptional,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

import { NoNullBytes, Omittable, TextField } from '../../common/validation/text.decorators';
import { MAX_CREDITS_EXPIRE_AFTER_DAYS } from './stripe-price-fields';

export const PRICE_INTERVALS = ['month', 'year', 'one_time'] as const;
export const QUOTA_PERIODS = ['day', 'month', 'billing_period'] as const;
export type QuotaPeriodName = (typeof QUOTA_PERIODS)[number];
export type PriceIntervalName = (typeof PRICE_INTERVALS)[number];

const SLUG = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;
const slugMessage = ({ property }: { property: string }) =>
  `${property} must be a slug: lowercase letters, digits, '-' or '_'`;
const TRIAL_WITHOUT_CARD =
  'POST /v1/billing/trial starts the trial with no payment method, once per account; needs trialDays > 0';
/** Stripe's largest unit_amount is eight digits. */
const MAX_AMOUNT = 99_999_999;

export class FeatureDto {
  @ApiProperty({ example: 'projects' })
  @Matches(SLUG, { message: slugMessage })
  @MaxLength(64)
  key!: string;

  @ApiProperty({ type: Number, nullable: true, description: 'null = unlimited', example: 3 })
  @ValidateIf((feature: FeatureDto) => feature.limit !== null)
  @IsInt()
  @Min(0)
  @Max(2_000_000_000)
  limit!: number | null;

  @ApiPropertyOptional({
    enum: QUOTA_PERIODS,
    description:
      'Makes the feature a quota: the limit counts uses per UTC day, UTC calendar month or the subscription’s billing period',
  })
  @IsOptional()
  @IsIn(QUOTA_PERIODS, { message: `period must be one of ${QUOTA_PERIODS.join(', ')}` })
  period?: QuotaPeriodName;

  @ApiPropertyOptional({
    example: 'price_1QxOverage',
    description:
      'A Stripe metered price on a Billing Meter (recurring.usage_type metered, recurring.meter): uses past the limit are let through and billed on it instead of refused. Needs a limit and a period; added to the subscriptions of the plan.',
  })
  @IsOptional()
  @ValidateBy({
    name: 'overageNeedsQuota',
    validator: {
      validate: (_value, args) => {
        const feature = args?.object as FeatureDto;
        return feature.limit !== null && feature.limit !== undefined && feature.period !== undefined;
      },
      defaultMessage: () => 'overagePriceId needs a finite limit and a period',
    },
  })
  @Matches(/^[A-Za-z0-9_]+$/, { message: 'overagePriceId must be a Stripe price id (price_…)' })
  @MaxLength(255)
  overagePriceId?: string;
}

export class CreatePriceDto {
  @ApiProperty({ enum: PRICE_INTERVALS })
  @IsIn(PRICE_INTERVALS, { message: `interval must be one of ${PRICE_INTERVALS.join(', ')}` })
  interval!: PriceIntervalName;

  @ApiProperty({ description: 'Minor units (cents)', example: 1900 })
  @IsInt()
  @Min(1)
  @Max(MAX_AMOUNT)
  amount!: number;

  @ApiProperty({ example: 'usd', description: 'ISO 4217, any case' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.toUpperCase() : value))
  @IsISO4217CurrencyCode({ message: 'currency must be an ISO 4217 currency code' })
  currency!: string;

  @ApiPropertyOptional({ description: 'Credits a one-time pack grants (one_time prices only)', example: 100 })
  @ValidateIf((price: CreatePriceDto) => price.interval === 'one_time' || price.credits !== undefined)
  @ValidateBy({
    name: 'creditsOnlyOnOneTime',
    validator: {
      validate: (_value, args) => (args?.object as CreatePriceDto).interval === 'one_time',
      defaultMessage: () => 'credits only go with interval one_time',
    },
  })
  @IsInt({ message: 'credits must be a whole number (required for one_time packs)' })
  @Min(1)
  @Max(1_000_000_000)
  credits?: number;

  @ApiPropertyOptional({
    description:
      "A pack's credits expire this many days after the purchase (one_time prices only); absent = never",
    minimum: 1,
    maximum: MAX_CREDITS_EXPIRE_AFTER_DAYS,
    example: 365,
  })
  @IsOptional()
  @ValidateBy({
    name: 'creditsExpireOnlyOnPacks',
    validator: {
      validate: (_value, args) => (args?.object as CreatePriceDto).interval === 'one_time',
      defaultMessage: () => 'creditsExpireAfterDays only goes with interval one_time (a credit pack)',
    },
  })
  @IsInt({ message: 'creditsExpireAfterDays must be a whole number of days' })
  @Min(1)
  @Max(MAX_CREDITS_EXPIRE_AFTER_DAYS)
  creditsExpireAfterDays?: number;

  @ApiPropertyOptional({
    description:
      "Per seat (recurring prices only): the subscription's quantity follows the account's member count",
    default: false,
  })
  @IsOptional()
  @ValidateBy({
    name: 'perSeatOnlyOnRecurring',
    validator: {
      validate: (value, args) => value !== true || (args?.object as CreatePriceDto).interval !== 'one_time',
      defaultMessage: () => 'perSeat only goes with a recurring interval',
    },
  })
  @IsBoolean({ message: 'perSeat must be true or false' })
  perSeat?: boolean;
}

export class CreatePlanDto {
  @ApiProperty({ example: 'pro' })
  @Matches(SLUG, { message: slugMessage })
  @MaxLength(64)
  key!: string;

  @ApiProperty({ example: 'Pro' })
  @TextField({ max: 100 })
  name!: string;

  @ApiPropertyOptional({ maxLength: 1000 })
  @Omittable()
  @TextField({ max: 1000 })
  description?: string;

  @ApiPropertyOptional({ default: 0 })
  @Omittable()
  @IsInt()
  @Min(0)
  @Max(730)
  trialDays?: number;

  @ApiPropertyOptional({ default: false, description: TRIAL_WITHOUT_CARD })
  @Omittable()
  @IsBoolean({ message: 'trialWithoutCard must be true or false' })
  trialWithoutCard?: boolean;

  @ApiProperty({ type: [FeatureDto] })
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique((feature: FeatureDto) => feature?.key, { message: 'features must have distinct keys' })
  @ValidateNested({ each: true })
  @Type(() => FeatureDto)
  features!: FeatureDto[];

  @ApiPropertyOptional({ type: [CreatePriceDto] })
  @Omittable()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => CreatePriceDto)
  prices?: CreatePriceDto[];
}

export class UpdatePlanDto {
  @ApiPropertyOptional()
  @Omittable()
  @TextField({ max: 100 })
  name?: string;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @MaxLength(1000)
  @NoNullBytes()
  description?: string;

  @ApiPropertyOptional()
  @Omittable()
  @IsInt()
  @Min(0)
  @Max(730)
  trialDays?: number;

  @ApiPropertyOptional({ description: TRIAL_WITHOUT_CARD })
  @Omittable()
  @IsBoolean({ message: 'trialWithoutCard must be true or false' })
  trialWithoutCard?: boolean;

  @ApiPropertyOptional()
  @Omittable()
  @IsBoolean()
  active?: boolean;

  @ApiPropertyOptional({ type: [FeatureDto], description: 'Replaces the whole feature list' })
  @Omittable()
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique((feature: FeatureDto) => feature?.key, { message: 'features must have distinct keys' })
  @ValidateNested({ each: true })
  @Type(() => FeatureDto)
  features?: FeatureDto[];
}

export class PriceDto {
  @ApiProperty({ format: 'uuid', description: 'The id clients send to checkout' }) id!: string;
  @ApiProperty({ type: String, nullable: true }) stripePriceId!: string | null;
  @ApiProperty({ enum: PRICE_INTERVALS }) interval!: PriceIntervalName;
  @ApiProperty() amount!: number;
  @ApiProperty({ example: 'usd' }) currency!: string;
  @ApiProperty({ type: Number, nullable: true }) credits!: number | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: "Days after the purchase a pack's credits expire; null = never",
  })
  creditsExpireAfterDays!: number | null;
  @ApiProperty({ description: 'Billed per member of the account' }) perSeat!: boolean;
  @ApiProperty() active!: boolean;
}

export class PlanDto {
  @ApiProperty() key!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty() trialDays!: number;
  @ApiProperty({ description: TRIAL_WITHOUT_CARD }) trialWithoutCard!: boolean;
  @ApiProperty() active!: boolean;
  @ApiProperty() isDefault!: boolean;
  @ApiProperty({ type: String, nullable: true }) stripeProductId!: string | null;
  @ApiProperty({ type: [FeatureDto] }) features!: FeatureDto[];
  @ApiProperty({ type: [PriceDto] }) prices!: PriceDto[];
}

export class PlanListDto {
  @ApiProperty({ type: [PlanDto] }) data!: PlanDto[];
}

export class CatalogSyncResultDto {
  @ApiProperty() plansUpdated!: number;
  @ApiProperty() pricesImported!: number;
  @ApiProperty() pricesUpdated!: number;
}
