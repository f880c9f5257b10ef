import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsOptional } from 'class-validator';

import { TextField, TimestampField } from '../../common/validation/text.decorators';
import { API_KEY_SCOPES, ApiKeyScope } from '../auth/identity';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'CI pipeline', maxLength: 100 })
  @TextField({ max: 100 })
  name!: string;

  @ApiPropertyOptional({
    enum: API_KEY_SCOPES,
    isArray: true,
    default: ['read', 'write', 'billing'],
    description: '`admin` only for admins, and never by default',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(API_KEY_SCOPES.length)
  @ArrayUnique()
  @IsIn(API_KEY_SCOPES, { each: true, message: `scopes must each be one of ${API_KEY_SCOPES.join(', ')}` })
  scopes?: ApiKeyScope[];

  @ApiPropertyOptional({ description: 'When the key stops working; any future time' })
  @IsOptional()
  @TimestampField()
  expiresAt?: string;
}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({
    format: 'uuid',
    description: 'The account the key acts for (the one acted for when it was made)',
  })
  accountId!: string;
  @ApiProperty({ description: 'The first characters of the key, to recognise it' }) prefix!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ type: String, nullable: true }) lastUsedAt!: string | null;
  @ApiProperty({ enum: API_KEY_SCOPES, isArray: true }) scopes!: ApiKeyScope[];
  @ApiProperty({ type: String, nullable: true }) expiresAt!: string | null;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'The key itself. Shown this once; only its hash is stored.' })
  key!: string;
}

export class ApiKeyListDto {
  @ApiProperty({ type: [ApiKeyDto] }) data!: ApiKeyDto[];
}
