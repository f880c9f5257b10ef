import { ApiProperty } from '@nestjs/swagger';

import { Role } from '../../generated/prisma/enums';

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ type: String, nullable: true }) name!: string | null;
  @ApiProperty({ enum: Role }) role!: Role;
  @ApiProperty({ description: 'Whether the owner has confirmed the address' }) emailVerified!: boolean;
}

/** A user as admins see them. */
export class AdminUserDto extends UserDto {
  @ApiProperty() disabled!: boolean;
  @ApiProperty() createdAt!: string;
}
