import { ApiProperty } from '@nestjs/swagger';

export class ReportSummaryDto {
  @ApiProperty() projects!: number;
  @ApiProperty() exports!: number;
  @ApiProperty() generatedAt!: string;
}

export class FeatureAccessDto {
  @ApiProperty({ example: 'reports' }) feature!: string;
  @ApiProperty({ example: true }) granted!: true;
}
