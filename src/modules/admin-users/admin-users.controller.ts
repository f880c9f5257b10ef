import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
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
import { AccountDeletionService } from '../account/account-deletion.service';
import { Authenticated, CurrentUser } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/identity';
import { CreateGrantDto, GrantDto } from '../entitlements/grant.dto';
import { GrantsService } from '../entitlements/grants.service';
import { DomainError } from '../../common/errors/domain-error';
import { AdminUserDto } from '../users/user.dto';
import { UsersService } from '../users/users.service';
import {
  AdminUserDetailDto,
  AdminUserListDto,
  AdminUsersQueryDto,
  UpdateUserAccessDto,
} from './admin-users.dto';
import { AdminUsersService } from './admin-users.service';

@ApiTags('admin: users')
@Controller('v1/admin')
@Authenticated({ role: 'admin' })
export class AdminUsersController {
  constructor(
    private readonly users: AdminUsersService,
    private readonly accounts: UsersService,
    private readonly grants: GrantsService,
    private readonly deletion: AccountDeletionService,
  ) {}

  @Get('users')
  @NoStore()
  @ApiOperation({ summary: 'Users in email order, paginated; `query` finds them by email prefix (any case)' })
  @ApiOkResponse({ type: AdminUserListDto })
  @ApiProblems('validation_failed')
  search(@Query() query: AdminUsersQueryDto): Promise<AdminUserListDto> {
    return this.users.search(query);
  }

  @Get('users/:id')
  @NoStore()
  @ApiOperation({
    summary:
      "A user with their personal account's subscription, entitlements, credit ledger and billing events",
  })
  @ApiOkResponse({ type: AdminUserDetailDto })
  @ApiProblems('validation_failed', 'not_found')
  detail(@Param('id', UuidParam) id: string): Promise<AdminUserDetailDto> {
    return this.users.detail(id);
  }

  @Patch('users/:id')
  @NoStore()
  @ApiOperation({
    summary: "Change a user's role or disable the account",
    description: 'Applies to the user’s existing tokens and keys on every instance within 1 s.',
  })
  @ApiOkResponse({ type: AdminUserDto })
  @ApiProblems('validation_failed', 'not_found', 'last_admin')
  changeAccess(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('id', UuidParam) id: string,
    @Body() body: UpdateUserAccessDto,
    @CurrentOrigin() origin: RequestOrigin,
  ): Promise<AdminUserDto> {
    if (body.role === undefined && body.disabled === undefined) {
      throw DomainError.validation([{ field: 'role', message: 'give role or disabled (or both)' }]);
    }
    return this.accounts.changeAccess(id, body, { adminId: admin.id, origin });
  }

  @Delete('users/:id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a user as they could themselves',
    description:
      'Cancels their Stripe subscriptions at once, ends their sessions and keys, erases name and email; billing records stay.',
  })
  @ApiNoContentResponse()
  @ApiProblems('validation_failed', 'not_found', 'last_admin', 'stripe_unavailable')
  delete(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('id', UuidParam) id: string,
    @CurrentOrigin() origin: RequestOrigin,
  ): Promise<void> {
    return this.deletion.delete(id, { actorId: admin.id, origin });
  }

  @Post('users/:id/logout')
  @HttpCode(204)
  @ApiOperation({
    summary: "End all of a user's sessions",
    description:
      'Their access tokens answer 401 on every instance within 1 s; API keys stay (revoke them or disable the user).',
  })
  @ApiNoContentResponse()
  @ApiProblems('validation_failed', 'not_found')
  async logout(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('id', UuidParam) id: string,
    @CurrentOrigin() origin: RequestOrigin,
  ): Promise<void> {
    if (!(await this.accounts.endSessions(id, { adminId: admin.id, origin }))) {
      throw new DomainError('not_found', 'No such user.');
    }
  }

  @Post('users/:id/grants')
  @NoStore()
  @ApiOperation({
    summary: "Open a feature for the user's personal account whatever the plan (a comp), until expiresAt",
  })
  @ApiCreatedResponse({ type: GrantDto })
  @ApiProblems('validation_failed', 'not_found')
  async grant(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('id', UuidParam) id: string,
    @Body() body: CreateGrantDto,
  ): Promise<GrantDto> {
    return this.grants.grant(await this.users.personalAccountOf(id), body, admin.id);
  }

  @Delete('users/:id/grants/:grantId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a grant' })
  @ApiNoContentResponse()
  @ApiProblems('validation_failed', 'not_found')
  async revokeGrant(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('id', UuidParam) id: string,
    @Param('grantId', UuidParam) grantId: string,
  ): Promise<void> {
    return this.grants.revoke(await this.users.personalAccountOf(id), grantId, admin.id);
  }
}
