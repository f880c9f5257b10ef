import { Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { DomainError } from '../../common/errors/domain-error';
import { NoStore } from '../../common/http/no-store.decorator';
import { CurrentOrigin, type RequestOrigin } from '../../common/http/request-origin';
import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { UuidParam } from '../../common/validation/uuid-param.pipe';
import { Authenticated, CurrentUser } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/identity';
import { SessionListDto } from './sessions.dto';
import { SessionsService } from './sessions.service';

@ApiTags('auth')
@Controller('v1/auth')
@Authenticated()
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Post('logout')
  @HttpCode(204)
  @ApiOperation({ summary: 'End the session of this access token (every instance refuses it within 1 s)' })
  @ApiNoContentResponse()
  @ApiProblems('forbidden_for_api_key')
  async logout(
    @CurrentUser() user: AuthenticatedUser,
    @CurrentOrigin() origin: RequestOrigin,
  ): Promise<void> {
    if (!user.sessionId) {
      throw new DomainError('forbidden_for_api_key', 'An API key has no session: revoke the key instead.');
    }
    await this.sessions.end({ userId: user.id, sessionId: user.sessionId }, 'logout', {
      by: { actorId: user.id, origin },
    });
  }

  @Post('logout-all')
  @HttpCode(204)
  @ApiOperation({ summary: 'End all of your sessions, this one included (API keys stay)' })
  @ApiNoContentResponse()
  async logoutAll(
    @CurrentUser() user: AuthenticatedUser,
    @CurrentOrigin() origin: RequestOrigin,
  ): Promise<void> {
    await this.sessions.end({ userId: user.id }, 'logout_all', { by: { actorId: user.id, origin } });
  }

  @Get('sessions')
  @NoStore()
  @ApiOperation({ summary: 'Your live sessions, most recently used first' })
  @ApiOkResponse({ type: SessionListDto })
  async list(@CurrentUser() user: AuthenticatedUser): Promise<SessionListDto> {
    const sessions = await this.sessions.listLive(user.id);
    return {
      data: sessions.map((session) => ({
        id: session.id,
        createdAt: session.createdAt.toISOString(),
        lastUsedAt: session.lastUsedAt.toISOString(),
        ip: session.ip,
        userAgent: session.userAgent,
        current: session.id === user.sessionId,
      })),
    };
  }

  @Delete('sessions/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'End one of your sessions' })
  @ApiNoContentResponse()
  @ApiProblems('validation_failed', 'not_found')
  async end(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', UuidParam) id: string,
    @CurrentOrigin() origin: RequestOrigin,
  ): Promise<void> {
    const ended = await this.sessions.end({ userId: user.id, sessionId: id }, 'ended_by_user', {
      by: { actorId: user.id, origin },
    });
    if (ended === 0) throw new DomainError('not_found', 'You have no live session with this id.');
  }
}
