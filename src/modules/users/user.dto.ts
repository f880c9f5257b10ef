import { ApiProperty } from '@nestjs/swagger';

import { Role } from '../../generated/prisma/enums';
import { SubscriptionSummaryDto } from '../billing/billing.dto';

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ type: String, nullable: true }) name!: string | null;
  @ApiProperty({ enum: Role }) role!: Role;
}

export class EntitlementDto {
  @ApiProperty({ example: 'projects' }) feature!: string;
  @ApiProperty({ type: Number, nullable: true, description: 'null = unlimited' }) limit!: number | null;
  @ApiProperty() used!: number;
}

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
