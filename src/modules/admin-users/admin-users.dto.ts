import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

import { PageQueryDto } from '../../common/validation/page-query.dto';
import { NoNullBytes } from '../../common/validation/text.decorators';

import { Role } from '../../generated/prisma/enums';
import { MemberDto } from '../accounts/accounts.dto';
import { SubscriptionSummaryDto } from '../billing/billing.dto';
import { GrantDto } from '../entitlements/grant.dto';
import { EntitlementDto } from '../paywall/entitlement.dto';
import { AdminUserDto, UserDto } from '../users/user.dto';

export class UpdateUserAccessDto {
  @ApiPropertyOptional({ enum: Role })
  @IsOptional()
  @IsIn(Object.values(Role), { message: `role must be one of ${Object.values(Role).join(', ')}` })
  role?: Role;

  @ApiPropertyOptional({ description: 'A disabled account cannot sign in; its tokens and keys stop working' })
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;
}

export class AdminUsersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'The start of the email, any case (`%` and `_` are literal)' })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  @NoNullBytes()
  query?: string;
}

export class AdminUserListDto {
  @ApiProperty({ type: [AdminUserDto] }) data!: AdminUserDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class CreditEntryDto {
  @ApiProperty() delta!: number;
  @ApiProperty() balanceAfter!: number;
  @ApiProperty({ example: 'purchase' }) reason!: string;
  @ApiProperty({ type: String, nullable: true }) stripeEventId!: string | null;
  @ApiProperty({ type: String, nullable: true, description: "An admin grant's reason" }) note!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'The admin who granted' })
  createdBy!: string | null;
  @ApiProperty() createdAt!: string;
}

export class ExpiringCreditsDto {
  @ApiProperty({ description: 'Credits the grant or pack added' }) amount!: number;
  @ApiProperty({ description: 'Not spent yet: what leaves the balance at expiresAt' }) remaining!: number;
  @ApiProperty() expiresAt!: string;
}

export class BillingEventDto {
  @ApiProperty({ example: 'subscription.changed' }) kind!: string;
  @ApiProperty({ description: 'The Stripe event id (or admin/reconcile marker) that caused it' })
  cause!: string;
  @ApiProperty({ type: Object }) details!: unknown;
  @ApiProperty() createdAt!: string;
}

export class AdminCreditsDto {
  @ApiProperty() balance!: number;
  @ApiProperty({
    type: [ExpiringCreditsDto],
    description: 'The part of the balance that expires, soonest first',
  })
  expiring!: ExpiringCreditsDto[];
  @ApiProperty({ type: [CreditEntryDto] }) ledger!: CreditEntryDto[];
}

export class PaymentRequiredEventDto {
  @ApiProperty({ example: 'subscription_required' }) code!: string;
  @ApiProperty({ example: 'reports' }) feature!: string;
  @ApiProperty({ example: '/v1/reports/summary' }) route!: string;
  @ApiProperty() createdAt!: string;
}

/** An account's billing as an admin reads it. */
export class AdminBillingDto {
  @ApiProperty({ type: SubscriptionSummaryDto, nullable: true }) subscription!: SubscriptionSummaryDto | null;
  @ApiProperty({ type: [EntitlementDto] }) entitlements!: EntitlementDto[];
  @ApiProperty({ type: AdminCreditsDto }) credits!: AdminCreditsDto;
  @ApiProperty({ type: [GrantDto] }) grants!: GrantDto[];
  @ApiProperty({ type: [PaymentRequiredEventDto], description: 'Recent 402 answers, newest first' })
  recentPaymentRequired!: PaymentRequiredEventDto[];
  @ApiProperty({ type: [BillingEventDto] }) billingEvents!: BillingEventDto[];
}

export class AdminUserDetailDto extends AdminBillingDto {
  @ApiProperty({ type: UserDto }) user!: UserDto;
  @ApiProperty({ format: 'uuid', description: 'The personal account whose billing this is' })
  accountId!: string;
}

export class AdminAccountDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() personal!: boolean;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ type: [MemberDto] }) members!: MemberDto[];
}

export class AdminAccountDetailDto extends AdminBillingDto {
  @ApiProperty({ type: AdminAccountDto }) account!: AdminAccountDto;
}
