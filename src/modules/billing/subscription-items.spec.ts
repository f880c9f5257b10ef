import { planChangeItems, planItemOf, SubscriptionItemLike } from './subscription-items';

function item(
  id: string,
  priceId: string,
  usageType: 'licensed' | 'metered' = 'licensed',
): SubscriptionItemLike {
  return { id, price: { id: priceId, recurring: { usage_type: usageType } } };
}

describe('subscription items: the plan item and the overage items beside it', () => {
  it('takes the licensed item as the plan, wherever Stripe lists it', () => {
    const plan = item('si_plan', 'price_pro');
    expect(planItemOf([item('si_m', 'price_overage', 'metered'), plan])).toBe(plan);
    expect(planItemOf([plan, item('si_m', 'price_overage', 'metered')])).toBe(plan);
    expect(planItemOf([])).toBeUndefined();
  });

  it('swaps the plan price and keeps exactly the new plan’s overage prices', () => {
    const items = [
      item('si_keep', 'price_shared_overage', 'metered'),
      item('si_plan', 'price_pro'),
      item('si_drop', 'price_old_overage', 'metered'),
    ];
    expect(
      planChangeItems(items, { stripePriceId: 'price_team', quantity: 3 }, [
        'price_shared_overage',
        'price_new_overage',
      ]),
    ).toEqual([
      { id: 'si_plan', price: 'price_team', quantity: 3 },
      { id: 'si_drop', deleted: true },
      { price: 'price_new_overage' },
    ]);
  });

  it('changes only the plan item of a subscription without overage', () => {
    expect(
      planChangeItems([item('si_plan', 'price_pro')], { stripePriceId: 'price_team', quantity: 1 }, []),
    ).toEqual([{ id: 'si_plan', price: 'price_team', quantity: 1 }]);
  });
});
