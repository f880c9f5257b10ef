import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { NoStore } from '../../common/http/no-store.decorator';
import { CurrentOrigin, type RequestOrigin } from '../../common/http/request-origin';
import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import { UuidParam } from '../../common/validation/uuid-param.pipe';
import { Authenticated, CurrentUser } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/identity';
import { CreditExpiryScheduler } from '../credits/credit-expiry.scheduler';
import { CreditExpiryPassDto, CreditGrantDto, GrantCreditsDto } from '../credits/credits.dto';
import { CreditsService } from '../credits/credits.service';
import { AdminUsersService } from './admin-users.service';

const GRANT_DESCRIPTION =
  'Adds `amount` credits with a ledger entry `admin_grant` that keeps the reason and the admin. With ' +
  '`expiresAt`, what is unspent then leaves the balance (entry `credits_expired`); credits that expire ' +
  'are spent before those that do not, the soonest to expire first.';

@ApiTags('admin: credits')
@Controller('v1/admin')
@Authenticated({ role: 'admin' })
export class AdminCreditsController {
  constructor(
    private readonly admin: AdminUsersService,
    private readonly credits: CreditsService,
    private readonly expiry: CreditExpiryScheduler,
  ) {}

  @Post('accounts/:id/credits')
  @NoStore()
  @ApiOperation({ summary: 'Grant credits to an account', description: GRANT_DESCRIPTION })
  @ApiCreatedResponse({ type: CreditGrantDto })
  @ApiProblems('validation_failed', 'account_not_found', 'conflict')
  async grantToAccount(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('id', UuidParam) id: string,
    @Body() body: GrantCreditsDto,
    @CurrentOrigin() origin: RequestOrigin,
  ): Promise<CreditGrantDto> {
    await this.admin.assertAccountExists(id);
    return this.credits.grant(id, body, { adminId: admin.id, origin });
  }

  @Post('users/:id/credits')
  @NoStore()
  @ApiOperation({ summary: "Grant credits to a user's personal account", description: GRANT_DESCRIPTION })
  @ApiCreatedResponse({ type: CreditGrantDto })
  @ApiProblems('validation_failed', 'not_found', 'conflict')
  async grantToUser(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('id', UuidParam) id: string,
    @Body() body: GrantCreditsDto,
    @CurrentOrigin() origin: RequestOrigin,
  ): Promise<CreditGrantDto> {
    const accountId = await this.admin.personalAccountOf(id);
    return this.credits.grant(accountId, body, { adminId: admin.id, subjectId: id, origin });
  }

  @Post('credits/expire')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Take expired credits out of balances now',
    description:
      'What the timer does every CREDIT_EXPIRY_INTERVAL_MS, on one instance at a time: `ran` is false when a pass was running already.',
  })
  @ApiOkResponse({ type: CreditExpiryPassDto })
  expire(): Promise<CreditExpiryPassDto> {
    return this.expiry.runOnce();
  }
}
