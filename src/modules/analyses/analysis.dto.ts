import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

export class CreateAnalysisDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'projectId must be the id of one of your projects' })
  projectId!: string;
}

export class AnalysisDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) projectId!: string;
  @ApiProperty() createdAt!: string;
}
