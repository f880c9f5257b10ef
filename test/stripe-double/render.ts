import { fromTemplate } from './fixtures';
import type { Store } from './store';
import type { PlanObject, PriceObject, StripeObject, SubscriptionObject } from './types';

/** The legacy `plan` view of a recurring price that Stripe still embeds in subscription items. */
export function planFromPrice(price: PriceObject): PlanObject {
  const recurring = price.recurring;
  if (!recurring) throw new Error(`Price ${price.id} is not recurring`);
  return fromTemplate<PlanObject>('plan', {
    id: price.id,
    object: 'plan',
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    created: price.created,
    currency: price.currency,
    interval: recurring.interval,
    interval_count: recurring.interval_count,
    metadata: price.metadata,
    nickname: price.nickname,
    product: price.product,
    trial_period_days: recurring.trial_period_days,
    usage_type: recurring.usage_type,
  });
}

/**
 * A detached copy of a stored object as the API returns it. Subscription items show the price as it
 * is now, like Stripe, rather than as it was when the item was created.
 */
export function render<T extends StripeObject>(store: Store, object: T): T {
  const copy = structuredClone(object);
  if (isSubscription(copy)) refreshSubscriptionItems(store, copy);
  return copy;
}

function isSubscription(object: StripeObject): object is SubscriptionObject {
  return object.object === 'subscription';
}

function refreshSubscriptionItems(store: Store, subscription: SubscriptionObject): void {
  for (const item of subscription.items.data) {
    const price = store.prices.get(item.price.id);
    if (!price) continue;
    item.price = structuredClone(price);
    item.plan = planFromPrice(price);
    // Stripe shows no quantity on a metered item: its meter says how much.
    if (price.recurring?.usage_type === 'metered') delete (item as { quantity?: number }).quantity;
  }
}
