import type { Operation } from '../operation';
import type { InvoiceObject, SubscriptionObject } from '../types';
import { finalizeInvoice } from './invoices';

/** A pause whose `resumes_at` has come is lifted, as Stripe does when that moment passes. */
export function liftEndedCollectionPause(subscription: SubscriptionObject, at: number): void {
  const resumesAt = subscription.pause_collection?.resumes_at;
  if (resumesAt != null && resumesAt <= at) subscription.pause_collection = null;
}

/**
 * What a renewal invoice becomes while payment collection is paused (`pause_collection.behavior`):
 * left a draft, finalized and marked uncollectible, or finalized and voided. Nothing is charged and
 * the subscription stays `active`.
 */
export function holdInvoice(operation: Operation, invoice: InvoiceObject, behavior: string): void {
  if (behavior === 'keep_as_draft') return;
  finalizeInvoice(operation, invoice);
  if (invoice.status !== 'open') return;
  const now = operation.now();
  invoice.next_payment_attempt = null;
  if (behavior === 'void') {
    invoice.status = 'void';
    invoice.amount_remaining = 0;
    invoice.status_transitions.voided_at = now;
    operation.emit('invoice.voided', invoice);
  } else {
    invoice.status = 'uncollectible';
    invoice.status_transitions.marked_uncollectible_at = now;
    operation.emit('invoice.marked_uncollectible', invoice);
  }
}
