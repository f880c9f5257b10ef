import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';

import { EmailField, TextField } from '../../common/validation/text.decorators';
import { ACCOUNT_ROLES, type AccountRole } from './account-roles';

export class AccountNameDto {
  @ApiProperty({ example: 'Analytical Engines Ltd', maxLength: 100 })
  @TextField({ max: 100 })
  name!: string;
}

export class ChangeMemberRoleDto {
  @ApiProperty({ enum: ACCOUNT_ROLES, description: 'Only an owner makes someone an owner or takes it away' })
  @IsIn(ACCOUNT_ROLES, { message: `role must be one of ${ACCOUNT_ROLES.join(', ')}` })
  role!: AccountRole;
}

export class AccountSummaryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'The account made with the user at signup' }) personal!: boolean;
  @ApiProperty({ enum: ACCOUNT_ROLES, description: 'Your role in it' }) role!: AccountRole;
}

export class AccountDto extends AccountSummaryDto {
  @ApiProperty() createdAt!: string;
}

export class AccountListDto {
  @ApiProperty({ type: [AccountSummaryDto] }) data!: AccountSummaryDto[];
}

export class MemberDto {
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ type: String, nullable: true }) name!: string | null;
  @ApiProperty({ enum: ACCOUNT_ROLES }) role!: AccountRole;
  @ApiProperty() joinedAt!: string;
}

export class InvitationDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ enum: ACCOUNT_ROLES }) role!: AccountRole;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
}

export class MemberListDto {
  @ApiProperty({ type: [MemberDto] }) data!: MemberDto[];
  @ApiProperty({
    type: [InvitationDto],
    description: 'Pending invitations: not accepted, revoked or expired',
  })
  invitations!: InvitationDto[];
}

export class InviteDto {
  @ApiProperty({ example: 'grace@example.com', maxLength: 320 })
  @EmailField()
  email!: string;

  @ApiProperty({ enum: ACCOUNT_ROLES, description: 'Only an owner invites an owner' })
  @IsIn(ACCOUNT_ROLES, { message: `role must be one of ${ACCOUNT_ROLES.join(', ')}` })
  role!: AccountRole;
}

export class JoinedAccountDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ACCOUNT_ROLES, description: 'Your role in it' }) role!: AccountRole;
}

export class AcceptedInvitationDto {
  @ApiProperty({ type: JoinedAccountDto }) account!: JoinedAccountDto;
}
