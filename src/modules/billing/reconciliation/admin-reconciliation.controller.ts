import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { DomainError } from '../../../common/errors/domain-error';
import { NoStore } from '../../../common/http/no-store.decorator';
import { ApiProblems, STRIPE_PROBLEMS } from '../../../common/openapi/api-problems.decorator';
import { UuidParam } from '../../../common/validation/uuid-param.pipe';
import { accountNotFound } from '../../accounts/account-errors';
import { UserAccountsService } from '../../accounts/user-accounts.service';
import { Authenticated } from '../../auth/auth.decorators';
import { UsersService } from '../../users/users.service';
import { BillingStateDto } from '../billing.dto';
import { CatchUpResultDto } from './reconciliation.dto';
import { ReconciliationService } from './reconciliation.service';

@ApiTags('admin: billing')
@Controller('v1/admin')
@Authenticated({ role: 'admin' })
export class AdminReconciliationController {
  constructor(
    private readonly reconciliation: ReconciliationService,
    private readonly users: UsersService,
    private readonly accounts: UserAccountsService,
  ) {}

  @Post('users/:id/reconcile')
  @NoStore()
  @HttpCode(200)
  @ApiOperation({ summary: "Re-sync the user's subscriptions and credit packs from Stripe" })
  @ApiOkResponse({ type: BillingStateDto })
  @ApiProblems('validation_failed', 'not_found', 'no_billing_account', ...STRIPE_PROBLEMS)
  async reconcile(@Param('id', UuidParam) id: string): Promise<BillingStateDto> {
    if (!(await this.users.exists(id))) throw new DomainError('not_found', 'No such user.');
    return this.reconciliation.reconcileAccount(await this.accounts.personalAccountOf(id));
  }

  @Post('accounts/:id/reconcile')
  @NoStore()
  @HttpCode(200)
  @ApiOperation({ summary: "Re-sync the account's subscriptions, seats and credit packs from Stripe" })
  @ApiOkResponse({ type: BillingStateDto })
  @ApiProblems('validation_failed', 'account_not_found', 'no_billing_account', ...STRIPE_PROBLEMS)
  async reconcileAccount(@Param('id', UuidParam) id: string): Promise<BillingStateDto> {
    if (!(await this.accounts.describe(id))) throw accountNotFound();
    return this.reconciliation.reconcileAccount(id);
  }

  @Post('billing/catch-up')
  @HttpCode(200)
  @ApiOperation({ summary: "Store and process Stripe events that never arrived (from Stripe's event list)" })
  @ApiOkResponse({ type: CatchUpResultDto })
  @ApiProblems(...STRIPE_PROBLEMS)
  catchUp(): Promise<CatchUpResultDto> {
    return this.reconciliation.catchUpEvents();
  }
}
