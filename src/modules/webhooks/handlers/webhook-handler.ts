import Stripe from 'stripe';

/** What a handler made of an event: it changed or checked something, or the event is not for us. */
export type HandlerOutcome = 'processed' | 'ignored';

/** How the event reached us: when it was first stored (the database's clock). */
export interface WebhookDelivery {
  receivedAt: Date;
}

export interface WebhookHandler {
  readonly types: readonly string[];
  handle(event: Stripe.Event, delivery: WebhookDelivery): Promise<HandlerOutcome>;
}

export const WEBHOOK_HANDLERS = Symbol('WEBHOOK_HANDLERS');

export function idOf(reference: string | { id: string } | null | undefined): string | null {
  if (!reference) return null;
  return typeof reference === 'string' ? reference : reference.id;
}
