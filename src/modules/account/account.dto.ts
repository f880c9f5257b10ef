import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, ValidateIf } from 'class-validator';

import { EmailField, NoNullBytes, TextField } from '../../common/validation/text.decorators';

import { AccountSummaryDto } from '../accounts/accounts.dto';
import { SubscriptionSummaryDto } from '../billing/billing.dto';
import { EntitlementDto } from '../paywall/entitlement.dto';
import { UserDto } from '../users/user.dto';

export class CreditsDto {
  @ApiProperty() balance!: number;
}

export class MeDto extends UserDto {
  @ApiProperty({
    type: SubscriptionSummaryDto,
    nullable: true,
    description: 'The current subscription, if any',
  })
  subscription!: SubscriptionSummaryDto | null;

  @ApiProperty({ type: [EntitlementDto] }) entitlements!: EntitlementDto[];
  @ApiProperty({ type: CreditsDto }) credits!: CreditsDto;
  @ApiProperty({ type: [AccountSummaryDto], description: 'Your accounts, the personal one first' })
  accounts!: AccountSummaryDto[];
  @ApiProperty({ type: AccountSummaryDto, description: 'The account this request acts for' })
  account!: AccountSummaryDto;
}

export class UpdateMeDto {
  @ApiProperty({ type: String, nullable: true, maxLength: 200, description: 'null clears it' })
  @ValidateIf((_, value) => value !== null)
  @TextField({ max: 200 })
  name!: string | null;
}

export class DeleteMeDto {
  @ApiProperty({ description: 'Your current password, to confirm' })
  @IsString()
  @MaxLength(1024)
  @NoNullBytes()
  password!: string;
}

export class AccountExportDto {
  @ApiProperty() exportedAt!: string;
  @ApiProperty({ type: UserDto }) user!: UserDto;
  @ApiProperty({ type: [Object], description: 'Live sessions' }) sessions!: object[];
  @ApiProperty({ type: [Object], description: 'Live API keys (never the keys themselves)' })
  apiKeys!: object[];
  @ApiProperty({ type: [Object] }) subscriptions!: object[];
  @ApiProperty({ type: Object }) credits!: { balance: number; ledger: object[] };
  @ApiProperty({ type: [Object] }) grants!: object[];
  @ApiProperty({ type: [Object] }) projects!: object[];
  @ApiProperty({ type: [Object], description: 'Your accounts and your role in each' }) accounts!: object[];
  @ApiProperty({ type: [Object] }) billingEvents!: object[];
}

export class ChangePasswordDto {
  @ApiProperty()
  @IsString()
  @MaxLength(1024)
  @NoNullBytes()
  currentPassword!: string;

  @ApiProperty({ minLength: 12, maxLength: 256, description: 'The password policy applies' })
  @TextField({ max: 1024 })
  newPassword!: string;
}

export class ChangeEmailDto {
  @ApiProperty({ example: 'ada@new.example.com', description: 'The new address: a link is mailed to it' })
  @EmailField()
  email!: string;

  @ApiProperty({ description: 'Your current password, to confirm' })
  @IsString()
  @MaxLength(1024)
  @NoNullBytes()
  password!: string;
}

export class ConfirmEmailDto {
  @ApiProperty({ description: 'The token of the link mailed to the new address' })
  @IsString()
  @MaxLength(200)
  token!: string;
}
