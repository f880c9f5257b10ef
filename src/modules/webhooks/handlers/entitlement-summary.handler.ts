import { Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';

import { HandlerOutcome, idOf, WebhookHandler } from './webhook-handler';

/**
 * Stripe's own Entitlements product: access here comes from our plans, so the summary is only
 * recorded (stored in the inbox) and logged, for comparison when investigating.
 */
@Injectable()
export class EntitlementSummaryHandler implements WebhookHandler {
  private readonly logger = new Logger(EntitlementSummaryHandler.name);
  readonly types = ['entitlements.active_entitlement_summary.updated'] as const;

  handle(event: Stripe.Event): Promise<HandlerOutcome> {
    const summary = event.data.object as { customer?: string | { id: string } };
    this.logger.log({
      msg: 'Stripe entitlement summary received',
      event: event.id,
      customer: idOf(summary.customer),
    });
    return Promise.resolve('processed');
  }
}
