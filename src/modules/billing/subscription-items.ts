import type Stripe from 'stripe';

/** The parts of a Stripe subscription item these rules read. */
export type SubscriptionItemLike = Pick<Stripe.SubscriptionItem, 'id'> & {
  price: Pick<Stripe.Price, 'id'> & { recurring: Pick<Stripe.Price.Recurring, 'usage_type'> | null };
};

function isMetered(item: SubscriptionItemLike): boolean {
  return item.price.recurring?.usage_type === 'metered';
}

/**
 * The item that carries the plan's price: the licensed one. Metered items (a plan feature's overage
 * price) sit beside it and bill what the meter counted; they are never the plan.
 */
export function planItemOf<T extends SubscriptionItemLike>(items: readonly T[]): T | undefined {
  return items.find((item) => !isMetered(item)) ?? items[0];
}

/**
 * The item changes of a plan change: the plan item moves to the new price, and the metered items end
 * up exactly the new plan's overage prices (kept when both plans bill on one, removed, or added).
 */
export function planChangeItems(
  items: readonly SubscriptionItemLike[],
  plan: { stripePriceId: string; quantity: number },
  overagePriceIds: readonly string[],
): Stripe.SubscriptionUpdateParams.Item[] {
  const planItem = planItemOf(items);
  if (!planItem) throw new Error('a subscription without items has no plan to change');
  const metered = items.filter((item) => item !== planItem && isMetered(item));
  return [
    { id: planItem.id, price: plan.stripePriceId, quantity: plan.quantity },
    ...metered
      .filter((item) => !overagePriceIds.includes(item.price.id))
      .map((item) => ({ id: item.id, deleted: true })),
    ...overagePriceIds
      .filter((priceId) => !metered.some((item) => item.price.id === priceId))
      .map((priceId) => ({ price: priceId })),
  ];
}
