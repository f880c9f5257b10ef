import { Body, Controller, Delete, HttpCode, Param, Post } from '@nestjs/common';
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
import { TokenDto } from '../auth/auth.dto';
import { Authenticated, CurrentUser } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/identity';
import { AcceptedInvitationDto, InvitationDto, InviteDto } from './accounts.dto';
import { InvitationsService } from './invitations.service';

@ApiTags('accounts')
@Controller('v1')
@Authenticated()
export class InvitationsController {
  constructor(private readonly invitations: InvitationsService) {}

  @Post('accounts/:id/invitations')
  @NoStore()
  @ApiOperation({
    summary: 'Invite an address to the account (mailed)',
    description:
      'Owners and admins; only an owner invites an owner. A new invitation to an address replaces its pending one; the link works once, for 7 days.',
  })
  @ApiCreatedResponse({ type: InvitationDto })
  @ApiProblems(
    'validation_failed',
    'account_not_found',
    'account_role_required',
    'already_member',
    'email_not_verified',
  )
  invite(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Body() body: InviteDto,
    @CurrentOrigin() origin: RequestOrigin,
  ): Promise<InvitationDto> {
    return this.invitations.invite(user, id, body, origin);
  }

  @Delete('accounts/:id/invitations/:invitationId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a pending invitation (owners and admins)' })
  @ApiNoContentResponse()
  @ApiProblems('validation_failed', 'account_not_found', 'account_role_required', 'not_found')
  revoke(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Param('invitationId', UuidParam) invitationId: string,
    @CurrentOrigin() origin: RequestOrigin,
  ): Promise<void> {
    return this.invitations.revoke(user, id, invitationId, origin);
  }

  @Post('invitations/accept')
  @HttpCode(200)
  @NoStore()
  @ApiOperation({
    summary: 'Join the account an invitation is for',
    description: 'Signed in (not with an API key) as the user whose email was invited.',
  })
  @ApiOkResponse({ type: AcceptedInvitationDto })
  @ApiProblems('validation_failed', 'invalid_token', 'invitation_email_mismatch', 'forbidden_for_api_key')
  accept(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: TokenDto,
    @CurrentOrigin() origin: RequestOrigin,
  ): Promise<AcceptedInvitationDto> {
    return this.invitations.accept(user, body.token, origin);
  }
}
