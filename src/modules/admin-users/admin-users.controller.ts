import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';

import { NoStore } from '../../common/http/no-store.decorator';
import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { UuidParam } from '../../common/validation/uuid-param.pipe';
import { Authenticated, CurrentUser } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/identity';
import { CreateGrantDto, GrantDto } from '../entitlements/grant.dto';
import { GrantsService } from '../entitlements/grants.service';
import { AdminUserDetailDto, AdminUserListDto, AdminUsersQueryDto } from './admin-users.dto';
import { AdminUsersService } from './admin-users.service';

@ApiTags('admin: users')
@Controller('v1/admin')
@Authenticated({ role: 'admin' })
export class AdminUsersController {
  constructor(
    private readonly users: AdminUsersService,
    private readonly grants: GrantsService,
  ) {}

  @Get('users')
  @NoStore()
  @ApiOperation({ summary: 'Users, paginated' })
  @ApiOkResponse({ type: AdminUserListDto })
  @ApiProblems('validation_failed')
  list(@Query() query: AdminUsersQueryDto): Promise<AdminUserListDto> {
    return this.users.list(query.cursor, query.limit);
  }

  @Get('users/:id')
  @NoStore()
  @ApiOperation({ summary: 'A user with subscription, entitlements, credit ledger and billing events' })
  @ApiOkResponse({ type: AdminUserDetailDto })
  @ApiProblems('validation_failed', 'not_found')
  detail(@Param('id', UuidParam) id: string): Promise<AdminUserDetailDto> {
    return this.users.detail(id);
  }

  @Post('users/:id/grants')
  @NoStore()
  @ApiOperation({ summary: 'Open a feature for the user whatever the plan (a comp), until expiresAt' })
  @ApiCreatedResponse({ type: GrantDto })
  @ApiProblems('validation_failed', 'not_found')
  async grant(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('id', UuidParam) id: string,
    @Body() body: CreateGrantDto,
  ): Promise<GrantDto> {
    await this.users.assertExists(id);
    return this.grants.grant(id, body, admin.id);
  }

  @Delete('users/:id/grants/:grantId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a grant' })
  @ApiNoContentResponse()
  @ApiProblems('validation_failed', 'not_found')
  revokeGrant(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('id', UuidParam) id: string,
    @Param('grantId', UuidParam) grantId: string,
  ): Promise<void> {
    return this.grants.revoke(id, grantId, admin.id);
  }
}
