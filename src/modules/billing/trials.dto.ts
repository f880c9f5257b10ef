import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';

export class StartTrialDto {
  @ApiProperty({ example: 'pro', description: 'The key of a plan with trialWithoutCard (GET /v1/plans)' })
  @IsString()
  @Matches(/^[a-z0-9_-]{1,64}$/, { message: 'plan must be a plan key from GET /v1/plans' })
  plan!: string;
}
