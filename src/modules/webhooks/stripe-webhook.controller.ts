import { Controller, Headers, HttpCode, Post, Req } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';

import { StripeSignatureVerifier } from './stripe-signature.verifier';
import { WebhookIntakeService } from './webhook-intake.service';

export const STRIPE_WEBHOOK_PATH = '/v1/webhooks/stripe';

@Controller('v1/webhooks')
export class StripeWebhookController {
  constructor(
    private readonly verifier: StripeSignatureVerifier,
    private readonly intake: WebhookIntakeService,
  ) {}

  @Post('stripe')
  @HttpCode(200)
  @ApiExcludeEndpoint()
  async receive(
    @Req() request: FastifyRequest & { rawBody?: Buffer },
    @Headers('stripe-signature') signature?: string,
  ): Promise<{ received: true }> {
    const event = this.verifier.verify(request.rawBody, signature);
    await this.intake.accept(event, 'webhook');
    return { received: true };
  }
}
