import { Injectable } from '@nestjs/common';
import Stripe from 'stripe';

import { CreditsService } from '../../credits/credits.service';
import { HandlerOutcome, idOf, WebhookHandler } from './webhook-handler';

/** A refunded credit-pack payment takes back the unspent share of its credits. */
@Injectable()
export class ChargeEventsHandler implements WebhookHandler {
  readonly types = ['charge.refunded'] as const;

  constructor(private readonly credits: CreditsService) {}

  async handle(event: Stripe.Event): Promise<HandlerOutcome> {
    const charge = event.data.object as Stripe.Charge;
    const paymentIntentId = idOf(charge.payment_intent);
    if (!paymentIntentId) return 'ignored';
    await this.credits.refund({
      stripePaymentIntentId: paymentIntentId,
      chargeId: charge.id,
      amount: charge.amount,
      amountRefunded: charge.amount_refunded,
      stripeEventId: event.id,
    });
    return 'processed';
  }
}
