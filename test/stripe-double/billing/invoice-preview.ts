import { StripeApiError } from '../api-error';
import { fromTemplate } from '../fixtures';
import { newId } from '../ids';
import type { Operation } from '../operation';
import { render } from '../render';
import type { CustomerObject, InvoiceLineItemObject, InvoiceObject, SubscriptionObject } from '../types';
import { changeItems, type ItemChange } from './item-changes';
import { currentPeriodEnd, regularLines, restartPeriods, type ProrationBehavior } from './subscriptions';

export interface PreviewOfChange {
  customer: CustomerObject;
  subscription: SubscriptionObject;
  itemChanges: ItemChange[] | undefined;
  prorationBehavior: ProrationBehavior;
  prorationDate: number;
}

/** Stripe's answer when there is nothing to invoice next (a canceled or ending subscription). */
export function noUpcomingInvoice(customerId: string): StripeApiError {
  return new StripeApiError(404, {
    type: 'invalid_request_error',
    code: 'invoice_upcoming_none',
    doc_url: 'https://stripe.com/docs/error-codes/invoice-upcoming-none',
    message: `No upcoming invoices for customer: ${customerId}`,
  });
}

/**
 * `POST /v1/invoices/create_preview` for an existing subscription: the invoice the change would
 * produce, computed on a copy so nothing is stored and no event is sent. With `always_invoice`, or a
 * change of billing interval (the period restarts now), that is the invoice made at once; otherwise
 * it is the next renewal's, carrying the prorations (pending ones too) and the next period's lines.
 */
export function previewSubscriptionChange(operation: Operation, spec: PreviewOfChange): InvoiceObject {
  const { store } = operation;
  const { customer, subscription } = spec;
  if (subscription.status === 'canceled' || subscription.status === 'incomplete_expired') {
    throw noUpcomingInvoice(customer.id);
  }
  const draft = render(store, subscription);
  const changes = spec.itemChanges
    ? changeItems(operation, draft, spec.itemChanges, {
        prorationBehavior: spec.prorationBehavior,
        prorationDate: spec.prorationDate,
      })
    : { prorations: [], cycleReset: false };
  const pending = structuredClone(store.pendingProrations.get(subscription.id) ?? []);
  const now = operation.now();

  if (changes.cycleReset || (spec.prorationBehavior === 'always_invoice' && changes.prorations.length > 0)) {
    const lines = [
      ...pending,
      ...changes.prorations,
      ...(changes.cycleReset ? regularLines(store, draft) : []),
    ];
    return previewInvoice(operation, customer, draft, lines, {
      start: now,
      end: now,
      prorationDate: spec.prorationDate,
    });
  }

  const periodEnd = currentPeriodEnd(draft);
  const ends =
    draft.status === 'paused' ||
    draft.cancel_at_period_end ||
    (draft.cancel_at !== null && draft.cancel_at <= periodEnd);
  const periodStart = Math.min(...draft.items.data.map((item) => item.current_period_start));
  if (!ends) restartPeriods(draft, periodEnd);
  const lines = [...pending, ...changes.prorations, ...(ends ? [] : regularLines(store, draft))];
  if (lines.length === 0) throw noUpcomingInvoice(customer.id);
  return previewInvoice(operation, customer, draft, lines, {
    start: periodStart,
    end: periodEnd,
    prorationDate: changes.prorations.length > 0 ? spec.prorationDate : undefined,
  });
}

function previewInvoice(
  operation: Operation,
  customer: CustomerObject,
  subscription: SubscriptionObject,
  lines: InvoiceLineItemObject[],
  period: { start: number; end: number; prorationDate?: number },
): InvoiceObject {
  // Preview invoices carry an id of their own that no other endpoint knows.
  const id = `upcoming_${newId('in')}`;
  const total = lines.reduce((sum, line) => sum + line.amount, 0);
  const due = Math.max(0, total + customer.balance);
  return fromTemplate<InvoiceObject>('invoice', {
    id,
    object: 'invoice',
    created: operation.now(),
    customer: customer.id,
    customer_email: customer.email,
    customer_name: customer.name,
    currency: subscription.currency,
    status: 'draft',
    billing_reason: 'upcoming',
    amount_due: due,
    amount_paid: 0,
    amount_remaining: due,
    subtotal: total,
    subtotal_excluding_tax: total,
    total,
    total_excluding_tax: total,
    starting_balance: customer.balance,
    ending_balance: null,
    attempt_count: 0,
    attempted: false,
    next_payment_attempt: period.end,
    number: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    effective_at: null,
    period_start: period.start,
    period_end: period.end,
    lines: {
      object: 'list',
      data: lines.map((line) => ({ ...line, invoice: id })),
      has_more: false,
      url: `/v1/invoices/${id}/lines`,
    },
    parent: {
      type: 'subscription_details',
      quote_details: null,
      subscription_details: {
        metadata: { ...subscription.metadata },
        subscription: subscription.id,
        ...(period.prorationDate !== undefined ? { subscription_proration_date: period.prorationDate } : {}),
      },
    },
    status_transitions: {
      finalized_at: null,
      marked_uncollectible_at: null,
      paid_at: null,
      voided_at: null,
    },
    metadata: {},
  });
}
