import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
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
import { AdminAccountDetailDto } from './admin-users.dto';
import { AdminUsersService } from './admin-users.service';

/** `/v1/admin/accounts/:id/...`: what `/v1/admin/users/:id/...` does for a personal account, for any account. */
@ApiTags('admin: accounts')
@Controller('v1/admin/accounts')
@Authenticated({ role: 'admin' })
export class AdminAccountsController {
  constructor(
    private readonly admin: AdminUsersService,
    private readonly grants: GrantsService,
  ) {}

  @Get(':id')
  @NoStore()
  @ApiOperation({
    summary: 'An account with its members, subscription, entitlements, credit ledger and billing events',
  })
  @ApiOkResponse({ type: AdminAccountDetailDto })
  @ApiProblems('validation_failed', 'account_not_found')
  detail(@Param('id', UuidParam) id: string): Promise<AdminAccountDetailDto> {
    return this.admin.accountDetail(id);
  }

  @Post(':id/grants')
  @NoStore()
  @ApiOperation({ summary: 'Open a feature for the account whatever the plan (a comp), until expiresAt' })
  @ApiCreatedResponse({ type: GrantDto })
  @ApiProblems('validation_failed', 'account_not_found')
  async grant(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('id', UuidParam) id: string,
    @Body() body: CreateGrantDto,
  ): Promise<GrantDto> {
    await this.admin.assertAccountExists(id);
    return this.grants.grant(id, body, admin.id);
  }

  @Delete(':id/grants/:grantId')
  @HttpCode(204)
  @ApiOperation({ summary: "Revoke one of the account's grants" })
  @ApiNoContentResponse()
  @ApiProblems('validation_failed', 'account_not_found', 'not_found')
  async revokeGrant(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('id', UuidParam) id: string,
    @Param('grantId', UuidParam) grantId: string,
  ): Promise<void> {
    await this.admin.assertAccountExists(id);
    return this.grants.revoke(id, grantId, admin.id);
  }
}
