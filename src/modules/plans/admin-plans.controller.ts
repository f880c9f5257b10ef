import { Body, Controller, Delete, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ApiProblems, STRIPE_PROBLEMS } from '../../common/openapi/api-problems.decorator';
import { UuidParam } from '../../common/validation/uuid-param.pipe';
import { Authenticated } from '../auth/auth.decorators';
import { CatalogSyncService } from './catalog-sync.service';
import {
  CatalogSyncResultDto,
  CreatePlanDto,
  CreatePriceDto,
  PlanDto,
  PlanListDto,
  PriceDto,
  UpdatePlanDto,
} from './plan.dto';
import { PlansService } from './plans.service';

@ApiTags('admin: plans')
@Controller('v1/admin')
@Authenticated({ role: 'admin' })
export class AdminPlansController {
  constructor(
    private readonly plans: PlansService,
    private readonly catalogSync: CatalogSyncService,
  ) {}

  @Get('plans')
  @ApiOperation({ summary: 'Every plan, archived ones and archived prices included' })
  @ApiOkResponse({ type: PlanListDto })
  async list(): Promise<PlanListDto> {
    return { data: await this.plans.listAll() };
  }

  @Post('plans')
  @ApiOperation({ summary: 'Create a plan, its Stripe product and its prices' })
  @ApiCreatedResponse({ type: PlanDto })
  @ApiProblems('validation_failed', 'plan_exists', ...STRIPE_PROBLEMS)
  create(@Body() body: CreatePlanDto): Promise<PlanDto> {
    return this.plans.create(body);
  }

  @Get('plans/:key')
  @ApiOkResponse({ type: PlanDto })
  @ApiProblems('not_found')
  get(@Param('key') key: string): Promise<PlanDto> {
    return this.plans.get(key);
  }

  @Patch('plans/:key')
  @ApiOperation({ summary: 'Change name, description, features, trial days, trial without card or active' })
  @ApiOkResponse({ type: PlanDto })
  @ApiProblems('validation_failed', 'not_found', ...STRIPE_PROBLEMS)
  update(@Param('key') key: string, @Body() body: UpdatePlanDto): Promise<PlanDto> {
    return this.plans.update(key, body);
  }

  @Delete('plans/:key')
  @ApiOperation({ summary: 'Archive the plan (no new checkouts); subscribers keep access' })
  @ApiOkResponse({ type: PlanDto })
  @ApiProblems('not_found', 'conflict', ...STRIPE_PROBLEMS)
  archive(@Param('key') key: string): Promise<PlanDto> {
    return this.plans.archive(key);
  }

  @Post('plans/:key/prices')
  @ApiOperation({ summary: 'Add a price; it replaces the active price of the same interval and currency' })
  @ApiCreatedResponse({ type: PriceDto })
  @ApiProblems('validation_failed', 'not_found', 'conflict', ...STRIPE_PROBLEMS)
  addPrice(@Param('key') key: string, @Body() body: CreatePriceDto): Promise<PriceDto> {
    return this.plans.addPrice(key, body);
  }

  @Delete('plans/:key/prices/:priceId')
  @ApiOperation({ summary: 'Archive a price' })
  @ApiOkResponse({ type: PriceDto })
  @ApiProblems('validation_failed', 'not_found', ...STRIPE_PROBLEMS)
  archivePrice(@Param('key') key: string, @Param('priceId', UuidParam) priceId: string): Promise<PriceDto> {
    return this.plans.archivePrice(key, priceId);
  }

  @Post('catalog/sync')
  @ApiOperation({ summary: "Bring the catalog in step with Stripe's products and prices" })
  @ApiCreatedResponse({ type: CatalogSyncResultDto })
  @ApiProblems(...STRIPE_PROBLEMS)
  sync(): Promise<CatalogSyncResultDto> {
    return this.catalogSync.syncAll();
  }
}
