import { Body, Controller, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ApiProblems, STRIPE_PROBLEMS } from '../../common/openapi/api-problems.decorator';
import { Authenticated, CurrentUser } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/identity';
import { SubscriptionSummaryDto } from './billing.dto';
import { StartTrialDto } from './trials.dto';
import { TrialsService } from './trials.service';

@ApiTags('billing')
@Controller('v1/billing')
@Authenticated()
export class TrialsController {
  constructor(private readonly trials: TrialsService) {}

  @Post('trial')
  @ApiOperation({
    summary: "Start a plan's trial without a card (once per account and plan)",
    description:
      'Access starts at once (status trialing). Without a payment method by the end of the trial, Stripe cancels the subscription and access ends.',
  })
  @ApiCreatedResponse({ type: SubscriptionSummaryDto })
  @ApiProblems(
    'validation_failed',
    'trial_used',
    'already_subscribed',
    'email_not_verified',
    'billing_role_required',
    ...STRIPE_PROBLEMS,
  )
  start(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: StartTrialDto,
  ): Promise<SubscriptionSummaryDto> {
    return this.trials.start(user, body.plan);
  }
}
