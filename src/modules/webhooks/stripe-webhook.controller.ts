import { Controller, Headers, HttpCode, Post, Req } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { Public } from '../auth/auth.decorators';
import { ApiProblems } from '../../common/openapi/api-problems.decorator';
import type { FastifyRequest } from 'fastify';

import { StripeSignatureVerifier } from './stripe-signature.verifier';
import { WebhookIntakeService } from './webhook-intake.service';

export const STRIPE_WEBHOOK_PATH = '/v1/webhooks/stripe';
/** Stripe's events can outgrow the global body limit (large metadata, many line items). */
export const STRIPE_WEBHOOK_BODY_LIMIT = 1024 * 1024;

@ApiTags('webhooks')
@Public()
@Controller('v1/webhooks')
export class StripeWebhookController {
  constructor(
    private readonly verifier: StripeSignatureVerifier,
    private readonly intake: WebhookIntakeService,
  ) {}

  @Post('stripe')
  @HttpCode(200)
  @ApiOperation({
    summary: "Stripe's event callback",
    description:
      'Verified over the raw body with a 300 s tolerance and stored, then processed while the delivery waits at most WEBHOOK_INLINE_BUDGET_MS (then acknowledged anyway; failures are retried). ' +
      'A 5xx means the event could not be stored: Stripe retries it.',
  })
  @ApiHeader({ name: 'Stripe-Signature', required: true })
  @ApiOkResponse({ schema: { example: { received: true } } })
  @ApiProblems('invalid_signature', 'malformed_json', 'billing_not_configured', 'database_unavailable')
  async receive(
    @Req() request: FastifyRequest & { rawBody?: string },
    @Headers('stripe-signature') signature?: string,
  ): Promise<{ received: true }> {
    const event = this.verifier.verify(request.rawBody, signature);
    await this.intake.accept(event, 'webhook');
    return { received: true };
  }
}
