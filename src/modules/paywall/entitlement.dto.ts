import { ApiProperty } from '@nestjs/swagger';

export class EntitlementDto {
  @ApiProperty({ example: 'projects' }) feature!: string;
  @ApiProperty({ type: Number, nullable: true, description: 'null = unlimited' }) limit!: number | null;
  @ApiProperty() used!: number;
}
