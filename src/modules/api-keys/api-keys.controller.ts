import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';

import { NoStore } from '../../common/http/no-store.decorator';
import { CurrentOrigin, type RequestOrigin } from '../../common/http/request-origin';
import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { UuidParam } from '../../common/validation/uuid-param.pipe';
import { Authenticated, CurrentUser } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/identity';
import { ApiKeyListDto, CreateApiKeyDto, CreatedApiKeyDto } from './api-key.dto';
import { ApiKeysService } from './api-keys.service';

@ApiTags('account')
@Controller('v1/api-keys')
@Authenticated()
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @NoStore()
  @ApiOperation({ summary: 'Create an API key (shown once)' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiProblems('validation_failed', 'forbidden', 'forbidden_for_api_key', 'too_many_keys')
  create(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: CreateApiKeyDto,
    @CurrentOrigin() origin: RequestOrigin,
  ): Promise<CreatedApiKeyDto> {
    return this.apiKeys.create(user, body, origin);
  }

  @Get()
  @NoStore()
  @ApiOperation({ summary: 'List your active API keys' })
  @ApiOkResponse({ type: ApiKeyListDto })
  async list(@CurrentUser() user: AuthenticatedUser): Promise<ApiKeyListDto> {
    return { data: await this.apiKeys.list(user.id) };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API key' })
  @ApiNoContentResponse()
  @ApiProblems('validation_failed', 'not_found')
  revoke(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', UuidParam) id: string,
    @CurrentOrigin() origin: RequestOrigin,
  ): Promise<void> {
    return this.apiKeys.revoke(user.id, id, origin);
  }
}
