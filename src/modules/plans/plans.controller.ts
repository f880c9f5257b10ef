import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { Public } from '../auth/auth.decorators';
import { PlanListDto } from './plan.dto';
import { PlansService } from './plans.service';

@ApiTags('plans')
@Public()
@Controller('v1/plans')
export class PlansController {
  constructor(private readonly plans: PlansService) {}

  @Get()
  @ApiOperation({ summary: 'The active plans, with their features and active prices' })
  @ApiOkResponse({ type: PlanListDto })
  async list(): Promise<PlanListDto> {
    return { data: await this.plans.listPublic() };
  }
}
