import { Injectable } from '@nestjs/common';
import Stripe from 'stripe';

import { PaymentOutcome, SubscriptionSyncService } from '../../billing/subscription-sync.service';
import { InvoiceNotice, InvoiceSyncService, subscriptionIdOf } from '../../invoices/invoice-sync.service';
import { HandlerOutcome, WebhookDelivery, WebhookHandler } from './webhook-handler';

/** Events of a payment attempt: they also move the subscription (its status, the grace period). */
const PAYMENT_EVENTS = new Set(['invoice.paid', 'invoice.payment_failed', 'invoice.payment_action_required']);

/**
 * Invoice events: the invoice is re-fetched and stored (GET /v1/billing/invoices); a payment's events
 * first re-sync the subscription with the payment's outcome, then the invoice, whose transaction
 * mails the receipt or the failed payment (with the grace period the subscription sync just set).
 */
@Injectable()
export class InvoiceEventsHandler implements WebhookHandler {
  readonly types = [
    'invoice.created',
    'invoice.finalized',
    'invoice.updated',
    'invoice.paid',
    'invoice.payment_failed',
    'invoice.payment_action_required',
    'invoice.voided',
    'invoice.marked_uncollectible',
    'invoice.deleted',
  ] as const;

  constructor(
    private readonly subscriptionSync: SubscriptionSyncService,
    private readonly invoiceSync: InvoiceSyncService,
  ) {}

  async handle(event: Stripe.Event, { receivedAt }: WebhookDelivery): Promise<HandlerOutcome> {
    const delivered = event.data.object as Stripe.Invoice;
    const subscriptionId = subscriptionIdOf(delivered);
    const subscription =
      subscriptionId && PAYMENT_EVENTS.has(event.type)
        ? await this.subscriptionSync.syncById(subscriptionId, event.id, {
            payment: paymentOutcome(event),
            receivedAt,
          })
        : null;
    const notice: InvoiceNotice | undefined =
      event.type === 'invoice.paid'
        ? { kind: 'receipt' }
        : event.type === 'invoice.payment_failed'
          ? { kind: 'payment_failed', eventId: event.id, graceUntil: subscription?.graceUntil ?? null }
          : undefined;
    const invoice = await this.invoiceSync.syncById(delivered.id, notice, receivedAt);
    return invoice || subscription ? 'processed' : 'ignored';
  }
}

function paymentOutcome(event: Stripe.Event): PaymentOutcome | undefined {
  const at = new Date(event.created * 1000);
  if (event.type === 'invoice.paid') return { kind: 'paid', at };
  if (event.type === 'invoice.payment_failed') return { kind: 'failed', at };
  return undefined;
}
