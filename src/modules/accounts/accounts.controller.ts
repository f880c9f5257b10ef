import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
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
import {
  AccountDto,
  AccountListDto,
  AccountNameDto,
  ChangeMemberRoleDto,
  MemberDto,
  MemberListDto,
} from './accounts.dto';
import { AccountsService } from './accounts.service';

// `:id` is not parsed as a UUID here: a malformed id is an account the caller does not have (404).
@ApiTags('accounts')
@Controller('v1/accounts')
@Authenticated()
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Post()
  @NoStore()
  @ApiOperation({ summary: 'Create a team account, owned by you' })
  @ApiCreatedResponse({ type: AccountDto })
  @ApiProblems('validation_failed', 'forbidden_for_api_key')
  create(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: AccountNameDto,
    @CurrentOrigin() origin: RequestOrigin,
  ): Promise<AccountDto> {
    return this.accounts.create(user, body.name, origin);
  }

  @Get()
  @NoStore()
  @ApiOperation({ summary: 'Your accounts (the personal one first) and your role in each' })
  @ApiOkResponse({ type: AccountListDto })
  async list(@CurrentUser() user: AuthenticatedUser): Promise<AccountListDto> {
    return { data: await this.accounts.list(user) };
  }

  @Patch(':id')
  @NoStore()
  @ApiOperation({ summary: 'Rename an account (owners and admins)' })
  @ApiOkResponse({ type: AccountDto })
  @ApiProblems('validation_failed', 'account_not_found', 'account_role_required')
  rename(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Body() body: AccountNameDto,
  ): Promise<AccountDto> {
    return this.accounts.rename(user, id, body.name);
  }

  @Get(':id/members')
  @NoStore()
  @ApiOperation({ summary: 'Who belongs to the account (any member may read)' })
  @ApiOkResponse({ type: MemberListDto })
  @ApiProblems('account_not_found')
  members(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string): Promise<MemberListDto> {
    return this.accounts.members(user, id);
  }

  @Patch(':id/members/:userId')
  @NoStore()
  @ApiOperation({
    summary: 'Change a member’s role',
    description: 'Owners and admins; only an owner makes or unmakes an owner; the last owner stays one.',
  })
  @ApiOkResponse({ type: MemberDto })
  @ApiProblems('validation_failed', 'account_not_found', 'not_found', 'account_role_required', 'last_owner')
  changeRole(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Param('userId', UuidParam) userId: string,
    @Body() body: ChangeMemberRoleDto,
    @CurrentOrigin() origin: RequestOrigin,
  ): Promise<MemberDto> {
    return this.accounts.changeRole(user, id, userId, body.role, origin);
  }

  @Delete(':id/members/:userId')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Remove a member, or leave (your own id)',
    description:
      'Owners and admins remove members, only an owner removes an owner; the last owner cannot leave. The member’s API keys for the account are revoked.',
  })
  @ApiNoContentResponse()
  @ApiProblems('validation_failed', 'account_not_found', 'not_found', 'account_role_required', 'last_owner')
  remove(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Param('userId', UuidParam) userId: string,
    @CurrentOrigin() origin: RequestOrigin,
  ): Promise<void> {
    return this.accounts.removeMember(user, id, userId, origin);
  }
}
