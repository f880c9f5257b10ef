import { invalidValue, missingParam, noSuchResource } from '../api-error';
import type { Operation } from '../operation';
import { applyMetadata } from '../params';
import { isMetered } from '../resources/catalog';
import { planFromPrice } from '../render';
import type { Store } from '../store';
import type {
  InvoiceLineItemObject,
  PriceObject,
  SubscriptionItemObject,
  SubscriptionObject,
} from '../types';
import { subscriptionLineItem } from './invoices';
import type { PaymentOutcome } from './payments';
import { settleInvoice } from './settlement';
import {
  firstItem,
  itemAmount,
  newItem,
  nextPeriodEnd,
  productName,
  regularLines,
  startSubscriptionInvoice,
  takePendingProrations,
  type ProrationBehavior,
  type SubscriptionBilling,
} from './subscriptions';

export interface ItemChange {
  id?: string;
  price?: PriceObject;
  quantity?: number;
  deleted?: boolean;
  metadata?: Record<string, string | null> | null;
}

function intervalKey(item: SubscriptionItemObject): string {
  return `${item.price.recurring?.interval}/${item.price.recurring?.interval_count}`;
}

function prorationLine(
  store: Store,
  subscription: SubscriptionObject,
  item: SubscriptionItemObject,
  from: number,
  sign: 1 | -1,
): InvoiceLineItemObject {
  const start = item.current_period_start;
  const end = item.current_period_end;
  const remaining = end > start ? Math.min(1, Math.max(0, (end - from) / (end - start))) : 0;
  const name = productName(store, item.price);
  const date = new Date(from * 1000).toUTCString().slice(5, 16);
  return subscriptionLineItem(subscription, {
    item,
    amount: sign * Math.round(itemAmount(item) * remaining),
    quantity: item.quantity,
    description: `${sign < 0 ? 'Unused' : 'Remaining'} time on ${item.quantity} × ${name} after ${date}`,
    period: { start: from, end },
    proration: true,
  });
}

export interface ItemChangeResult {
  prorations: InvoiceLineItemObject[];
  /** The billing interval changed, so the period restarted now and must be invoiced now. */
  cycleReset: boolean;
}

/**
 * Swaps prices, changes quantities, adds and removes items. Proration lines credit the unused time
 * of what was replaced and charge the remaining time of what replaced it. A change of billing
 * interval restarts the period now, as Stripe does.
 */
export function changeItems(
  operation: Operation,
  subscription: SubscriptionObject,
  changes: ItemChange[],
  options: { prorationBehavior: ProrationBehavior; prorationDate: number },
): ItemChangeResult {
  const { store } = operation;
  const now = operation.now();
  const previousItems = structuredClone(subscription.items.data);
  let items = [...subscription.items.data];
  const periodTemplate = firstItem(items);

  changes.forEach((change, index) => {
    const param = `items[${index}]`;
    if (change.id) {
      const item = items.find((candidate) => candidate.id === change.id);
      if (!item) throw noSuchResource('subscription item', change.id, `${param}[id]`, 'param');
      if (change.deleted) {
        items = items.filter((candidate) => candidate !== item);
        return;
      }
      if (change.price) {
        item.price = structuredClone(change.price);
        item.plan = planFromPrice(change.price);
      }
      if (change.quantity !== undefined) item.quantity = change.quantity;
      item.metadata = applyMetadata(item.metadata, change.metadata);
      return;
    }
    if (!change.price) throw missingParam(`${param}[price]`);
    const added = newItem(
      subscription.id,
      {
        price: change.price,
        quantity: isMetered(change.price) ? 0 : (change.quantity ?? 1),
        metadata: applyMetadata({}, change.metadata),
      },
      { start: periodTemplate.current_period_start, end: periodTemplate.current_period_end },
      now,
    );
    items.push(added);
  });

  if (items.length === 0) {
    throw invalidValue('items', 'A subscription must have at least one active plan.');
  }
  const priceIds = items.map((item) => item.price.id);
  const duplicate = priceIds.find((id, index) => priceIds.indexOf(id) !== index);
  if (duplicate) {
    throw invalidValue('items', `Cannot add multiple subscription items with the same price: ${duplicate}`);
  }
  if (new Set(items.map(intervalKey)).size > 1 || new Set(items.map((i) => i.price.currency)).size > 1) {
    throw invalidValue(
      'items',
      'Currency and interval fields must match across all prices on this subscription.',
    );
  }
  subscription.items.data = items;

  const cycleReset = intervalKey(firstItem(items)) !== intervalKey(firstItem(previousItems));
  const prorates = options.prorationBehavior !== 'none' && subscription.status !== 'trialing';
  const prorations: InvoiceLineItemObject[] = [];
  // A metered item bills its meter's usage at the period's end: nothing to prorate.
  if (prorates) {
    for (const before of previousItems.filter((item) => !isMetered(item.price))) {
      const after = items.find((item) => item.id === before.id);
      const changed = !after || after.price.id !== before.price.id || after.quantity !== before.quantity;
      if (changed) prorations.push(prorationLine(store, subscription, before, options.prorationDate, -1));
    }
    if (!cycleReset) {
      for (const after of items.filter((item) => !isMetered(item.price))) {
        const before = previousItems.find((item) => item.id === after.id);
        const changed = !before || after.price.id !== before.price.id || after.quantity !== before.quantity;
        if (changed) prorations.push(prorationLine(store, subscription, after, options.prorationDate, 1));
      }
    }
  }
  if (cycleReset && subscription.status !== 'trialing') {
    for (const item of items) {
      item.current_period_start = now;
      item.current_period_end = nextPeriodEnd(item.price, now);
    }
    subscription.billing_cycle_anchor = now;
  }
  return { prorations, cycleReset: cycleReset && subscription.status !== 'trialing' };
}

/** Invoices now: regular lines (when the cycle restarted), the given prorations and pending ones. */
export function invoiceSubscriptionNow(
  operation: Operation,
  subscription: SubscriptionObject,
  options: { includeRegularLines: boolean; prorations: InvoiceLineItemObject[]; outcome?: PaymentOutcome },
): SubscriptionBilling {
  const { store } = operation;
  const now = operation.now();
  const lines = [
    ...takePendingProrations(store, subscription.id),
    ...options.prorations,
    ...(options.includeRegularLines ? regularLines(store, subscription) : []),
  ];
  const invoice = startSubscriptionInvoice(operation, subscription, 'subscription_update', lines, {
    start: now,
    end: now,
  });
  const payment = settleInvoice(operation, invoice, { outcome: options.outcome });
  return { subscription, invoice, payment };
}
