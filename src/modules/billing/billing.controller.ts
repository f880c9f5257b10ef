import { Body, Controller, Get, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { NoStore } from '../../common/http/no-store.decorator';
import { ApiProblems, STRIPE_PROBLEMS } from '../../common/openapi/api-problems.decorator';
import { Authenticated, CurrentUser } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/identity';
import {
  BillingStateDto,
  CheckoutSessionDto,
  PortalSessionDto,
  PriceChoiceDto,
  SubscriptionSummaryDto,
} from './billing.dto';
import { BillingService } from './billing.service';
import { CancelSubscriptionDto, InvoicePreviewDto, SubscriptionSwapDto } from './subscription-operations.dto';
import { SubscriptionOperationsService } from './subscription-operations.service';

@ApiTags('billing')
@Controller('v1/billing')
@Authenticated()
export class BillingController {
  constructor(
    private readonly billing: BillingService,
    private readonly operations: SubscriptionOperationsService,
  ) {}

  @Post('checkout')
  @NoStore()
  @ApiOperation({ summary: 'Start a Stripe Checkout for a price: a subscription, or a one-time credit pack' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Retries with the same key get the same session',
  })
  @ApiCreatedResponse({ type: CheckoutSessionDto })
  @ApiProblems(
    'validation_failed',
    'not_found',
    'already_subscribed',
    'email_not_verified',
    'billing_role_required',
    ...STRIPE_PROBLEMS,
  )
  checkout(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: PriceChoiceDto,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<CheckoutSessionDto> {
    const key = idempotencyKey && /^[\w-]{1,100}$/.test(idempotencyKey) ? idempotencyKey : undefined;
    return this.billing.checkout(user, body.priceId, key);
  }

  @Post('checkout/:sessionId/sync')
  @HttpCode(200)
  @ApiOperation({ summary: "Pull a Checkout Session's outcome from Stripe now (the success page calls it)" })
  @ApiOkResponse({ type: BillingStateDto })
  @ApiProblems('not_found', ...STRIPE_PROBLEMS)
  sync(
    @CurrentUser() user: AuthenticatedUser,
    @Param('sessionId') sessionId: string,
  ): Promise<BillingStateDto> {
    return this.billing.syncCheckout(user.account.id, sessionId);
  }

  @Post('portal')
  @NoStore()
  @ApiOperation({ summary: 'A Stripe customer portal session' })
  @ApiCreatedResponse({ type: PortalSessionDto })
  @ApiProblems('no_billing_account', 'billing_role_required', ...STRIPE_PROBLEMS)
  portal(@CurrentUser() user: AuthenticatedUser): Promise<PortalSessionDto> {
    return this.billing.portal(user);
  }

  @Get('subscription')
  @ApiOperation({ summary: 'Your subscription' })
  @ApiOkResponse({ type: SubscriptionSummaryDto })
  @ApiProblems('no_subscription')
  subscription(@CurrentUser() user: AuthenticatedUser): Promise<SubscriptionSummaryDto> {
    return this.billing.subscription(user.account.id);
  }

  @Post('subscription/change')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Swap the subscription to another recurring price or quantity (prorated)',
    description:
      'Every distinct change takes effect, also back and forth; 409 `conflict` when Stripe has that price and quantity already.',
  })
  @ApiOkResponse({ type: SubscriptionSummaryDto })
  @ApiProblems(
    'validation_failed',
    'not_found',
    'no_subscription',
    'conflict',
    'billing_role_required',
    ...STRIPE_PROBLEMS,
  )
  change(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: SubscriptionSwapDto,
  ): Promise<SubscriptionSummaryDto> {
    return this.operations.change(user, body.priceId, body.quantity);
  }

  @Post('subscription/preview')
  @HttpCode(200)
  @NoStore()
  @ApiOperation({
    summary: "What a change would invoice: Stripe's preview of the next invoice, prorations included",
  })
  @ApiOkResponse({ type: InvoicePreviewDto })
  @ApiProblems('validation_failed', 'no_subscription', 'billing_role_required', ...STRIPE_PROBLEMS)
  preview(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: SubscriptionSwapDto,
  ): Promise<InvoicePreviewDto> {
    return this.operations.preview(user, body.priceId, body.quantity);
  }

  @Post('subscription/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel at the end of the period (default), or now with atPeriodEnd: false' })
  @ApiOkResponse({ type: SubscriptionSummaryDto })
  @ApiProblems('validation_failed', 'no_subscription', 'billing_role_required', ...STRIPE_PROBLEMS)
  cancel(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: CancelSubscriptionDto,
  ): Promise<SubscriptionSummaryDto> {
    return this.operations.cancel(user, body.atPeriodEnd ?? true);
  }

  @Post('subscription/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Undo a scheduled cancellation, or resume a paused subscription' })
  @ApiOkResponse({ type: SubscriptionSummaryDto })
  @ApiProblems('no_subscription', 'not_resumable', 'billing_role_required', ...STRIPE_PROBLEMS)
  resume(@CurrentUser() user: AuthenticatedUser): Promise<SubscriptionSummaryDto> {
    return this.operations.resume(user);
  }
}
