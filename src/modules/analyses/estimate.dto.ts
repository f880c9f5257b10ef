import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';

export class EstimateRequestDto {
  @ApiProperty({ description: 'The text an analysis would read', maxLength: 100_000 })
  @IsString()
  @MaxLength(100_000)
  text!: string;
}

export class EstimateDto {
  @ApiProperty() words!: number;
  @ApiProperty() characters!: number;
}
