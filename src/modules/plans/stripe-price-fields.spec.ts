import type Stripe from 'stripe';

import { priceFieldsFromStripe, priceRowFromStripe, priceRowUpdate } from './stripe-price-fields';

/** Shaped like Stripe's own example price (stripe/openapi fixtures), as prices.retrieve returns it. */
function stripePrice(overrides: Partial<Stripe.Price> = {}): Stripe.Price {
  return {
    id: 'price_1PgafmB7WZ01zgkW6dKueIc5',
    object: 'price',
    active: true,
    billing_scheme: 'per_unit',
    created: 1234567890,
    currency: 'usd',
    custom_unit_amount: null,
    livemode: false,
    lookup_key: null,
    metadata: { tollgate_plan: 'pro' },
    nickname: null,
    product: 'prod_QXg1hqf4jFNsqG',
    recurring: {
      interval: 'month',
      interval_count: 1,
      meter: null,
      trial_period_days: null,
      usage_type: 'licensed',
    },
    tax_behavior: 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: 'recurring',
    unit_amount: 2000,
    unit_amount_decimal: '2000',
    ...overrides,
  } as Stripe.Price;
}

const ONE_TIME = { recurring: null, type: 'one_time' } as const;

describe('priceRowFromStripe: a Stripe price as our price row', () => {
  it('maps a monthly price: amount in minor units, currency, interval, active, Stripe id', () => {
    expect(priceRowFromStripe(stripePrice())).toEqual({
      stripePriceId: 'price_1PgafmB7WZ01zgkW6dKueIc5',
      interval: 'month',
      amount: 2000,
      currency: 'usd',
      credits: null,
      creditsExpireAfterDays: null,
      perSeat: false,
      active: true,
    });
  });

  it('reads per seat from tollgate_per_seat "true", on a recurring price only', () => {
    const perSeat = { metadata: { tollgate_per_seat: 'true' } };
    expect(priceRowFromStripe(stripePrice(perSeat))?.perSeat).toBe(true);
    expect(priceRowFromStripe(stripePrice({ ...perSeat, ...ONE_TIME }))?.perSeat).toBe(false);
    expect(priceRowFromStripe(stripePrice({ metadata: { tollgate_per_seat: 'yes' } }))?.perSeat).toBe(false);
  });

  it('ignores a metered price (an overage price of a plan feature, never sold on its own)', () => {
    const metered = stripePrice({
      recurring: { ...stripePrice().recurring!, usage_type: 'metered', meter: 'mtr_123' },
      unit_amount: 5,
    });
    expect(priceRowFromStripe(metered)).toBeNull();
  });

  it('maps a yearly price', () => {
    const yearly = stripePrice({
      recurring: { ...stripePrice().recurring!, interval: 'year' },
      unit_amount: 20000,
    });
    expect(priceRowFromStripe(yearly)).toMatchObject({ interval: 'year', amount: 20000 });
  });

  it('maps a price without recurring as one-time, reading the pack size from tollgate_credits', () => {
    const pack = stripePrice({
      ...ONE_TIME,
      unit_amount: 500,
      currency: 'eur',
      metadata: { tollgate_credits: '5' },
    });
    expect(priceRowFromStripe(pack)).toMatchObject({
      interval: 'one_time',
      amount: 500,
      currency: 'eur',
      credits: 5,
    });
  });

  it('reads no pack size from a tollgate_credits that is not a positive whole number', () => {
    for (const value of ['0', '-3', '2.5', 'five', '']) {
      const pack = stripePrice({ ...ONE_TIME, metadata: { tollgate_credits: value } });
      expect(priceRowFromStripe(pack)?.credits).toBeNull();
    }
  });

  it('reads when a pack expires from tollgate_credits_expire_after_days', () => {
    const pack = stripePrice({
      ...ONE_TIME,
      metadata: { tollgate_credits: '5', tollgate_credits_expire_after_days: '30' },
    });
    expect(priceRowFromStripe(pack)).toMatchObject({ credits: 5, creditsExpireAfterDays: 30 });
  });

  it('reads no expiry that is not 1 to 3650 whole days, or on a price that is no pack', () => {
    for (const value of ['0', '-3', '2.5', 'thirty', '', '3651']) {
      const pack = stripePrice({
        ...ONE_TIME,
        metadata: { tollgate_credits: '5', tollgate_credits_expire_after_days: value },
      });
      expect(priceRowFromStripe(pack)?.creditsExpireAfterDays).toBeNull();
    }
    const noPack = stripePrice({ ...ONE_TIME, metadata: { tollgate_credits_expire_after_days: '30' } });
    expect(priceRowFromStripe(noPack)?.creditsExpireAfterDays).toBeNull();
    const monthly = stripePrice({
      metadata: { tollgate_credits: '5', tollgate_credits_expire_after_days: '30' },
    });
    expect(priceRowFromStripe(monthly)?.creditsExpireAfterDays).toBeNull();
  });

  it('keeps an archived price, inactive', () => {
    expect(priceRowFromStripe(stripePrice({ active: false }))?.active).toBe(false);
  });

  it('refuses a price without a fixed amount (tiered or customer-chosen)', () => {
    const tiered = stripePrice({
      billing_scheme: 'tiered',
      tiers_mode: 'graduated',
      unit_amount: null,
      unit_amount_decimal: null,
    });
    expect(priceFieldsFromStripe(tiered)).toBeNull();
    expect(priceRowFromStripe(tiered)).toBeNull();
  });

  it('refuses a price billed by the week or day (we sell months and years)', () => {
    for (const interval of ['week', 'day'] as const) {
      const price = stripePrice({ recurring: { ...stripePrice().recurring!, interval } });
      expect(priceRowFromStripe(price)).toBeNull();
    }
  });

  it('charges a free price 0, not "no fixed amount"', () => {
    expect(priceRowFromStripe(stripePrice({ unit_amount: 0 }))?.amount).toBe(0);
  });
});

describe('priceRowUpdate: bringing our row in step with Stripe', () => {
  const local = { active: true, amount: 2000, currency: 'usd' };

  it('changes nothing when our row matches', () => {
    expect(priceRowUpdate(local, { ...local })).toBeNull();
  });

  it('deactivates our row when the price was archived in the Stripe dashboard', () => {
    expect(priceRowUpdate(local, { ...local, active: false })).toEqual({ ...local, active: false });
  });

  it('takes Stripe amount and currency when they differ', () => {
    expect(priceRowUpdate(local, { active: true, amount: 2500, currency: 'eur' })).toEqual({
      active: true,
      amount: 2500,
      currency: 'eur',
    });
  });
});
