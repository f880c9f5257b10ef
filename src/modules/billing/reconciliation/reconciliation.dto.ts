import { ApiProperty } from '@nestjs/swagger';

export class CatchUpResultDto {
  @ApiProperty({ description: 'Events Stripe had that the inbox did not' }) imported!: number;
  @ApiProperty() processed!: number;
}
