import { ApiProperty } from '@nestjs/swagger';

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
}
