import Stripe from 'stripe';
import { must } from '../support/must';
import { ScenarioError, StripeDouble, type InvoiceObject, type SubscriptionObject } from './index';

const DAY = 86_400;

describe('StripeDouble: trials without a payment method, and time passing', () => {
  let double: StripeDouble;
  let stripe: Stripe;

  beforeAll(async () => {
    double = await StripeDouble.start();
  });
  afterAll(() => double.stop());
  beforeEach(() => {
    double.reset();
    stripe = new Stripe('sk_test_self_test', { ...double.clientOptions(), maxNetworkRetries: 0 });
  });

  async function monthlyPrice(): Promise<Stripe.Price> {
    const product = await stripe.products.create({ name: 'Pro' });
    return stripe.prices.create({
      product: product.id,
      unit_amount: 1900,
      currency: 'usd',
      recurring: { interval: 'month' },
    });
  }

  /** A subscription as the app starts a trial without a card. */
  async function trialWithoutCard(
    options: { trialDays?: number; paymentMethod?: string; quantity?: number } = {},
  ): Promise<Stripe.Subscription> {
    const price = await monthlyPrice();
    const customer = await stripe.customers.create({
      email: 'trial@example.test',
      ...(options.paymentMethod
        ? { invoice_settings: { default_payment_method: options.paymentMethod } }
        : {}),
    });
    return stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id, quantity: options.quantity ?? 1 }],
      trial_period_days: options.trialDays ?? 14,
      payment_settings: { save_default_payment_method: 'on_subscription' },
      trial_settings: { end_behavior: { missing_payment_method: 'cancel' } },
    });
  }

  it('creates a trialing subscription with no payment method, keeping its trial and payment settings', async () => {
    const subscription = await trialWithoutCard({ quantity: 3 });

    expect(subscription).toMatchObject({
      status: 'trialing',
      default_payment_method: null,
      trial_settings: { end_behavior: { missing_payment_method: 'cancel' } },
      payment_settings: { save_default_payment_method: 'on_subscription', payment_method_types: null },
    });
    expect(must(subscription.trial_end, 'trial_end') - must(subscription.trial_start, 'trial_start')).toBe(
      14 * DAY,
    );
    expect(subscription.items.data[0]?.quantity).toBe(3);
    // Nothing is charged: the first invoice is the trial's, for 0, and there is no charge at all.
    const invoice = must(double.retrieve<InvoiceObject>(subscription.latest_invoice as string), 'an invoice');
    expect(invoice).toMatchObject({ amount_due: 0, status: 'paid', billing_reason: 'subscription_create' });
    expect((await stripe.charges.list()).data).toHaveLength(0);
    // A trial longer than three days gets its notice later, not at creation.
    expect(double.events().map((event) => event.type)).not.toContain('customer.subscription.trial_will_end');
  });

  it('validates trial and payment settings like Stripe', async () => {
    const price = await monthlyPrice();
    const customer = await stripe.customers.create({});
    const base = { customer: customer.id, items: [{ price: price.id }] };
    const refused = (params: Record<string, unknown>) => stripe.subscriptions.create({ ...base, ...params });

    await expect(
      refused({ trial_period_days: 7, trial_end: Math.floor(Date.now() / 1000) + 3 * DAY }),
    ).rejects.toMatchObject({
      statusCode: 400,
      message: 'You may only specify one of these parameters: trial_end, trial_period_days.',
    });
    await expect(
      refused({ trial_period_days: 7, trial_settings: { end_behavior: { missing_payment_method: 'drop' } } }),
    ).rejects.toMatchObject({
      statusCode: 400,
      param: 'trial_settings[end_behavior][missing_payment_method]',
    });
    await expect(
      refused({ trial_period_days: 7, trial_settings: { end_behavior: { when: 'now' } } }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'parameter_unknown' });
    await expect(
      refused({ trial_period_days: 7, payment_settings: { save_default_payment_method: 'always' } }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'payment_settings[save_default_payment_method]' });
    await expect(
      refused({ trial_period_days: 7, payment_settings: { save_card: 'yes' } }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'parameter_unknown' });
    // Without a trial, a customer with no payment method cannot be charged the first period.
    await expect(
      refused({ payment_settings: { save_default_payment_method: 'on_subscription' } }),
    ).rejects.toMatchObject({ statusCode: 400 });
    expect((await stripe.subscriptions.list({ status: 'all' })).data).toHaveLength(0);
  });

  it('advancing the clock sends trial_will_end three days before, then cancels a trial left without a card', async () => {
    const subscription = await trialWithoutCard();
    const trialEnd = must(subscription.trial_end, 'trial_end');

    const notice = double.scenarios.advanceClock(12 * DAY);
    expect(notice.events.map((event) => event.type)).toEqual(['customer.subscription.trial_will_end']);
    expect(notice.events[0]?.created).toBe(trialEnd - 3 * DAY);
    expect(notice.subscriptions.map((touched) => touched.status)).toEqual(['trialing']);

    const ended = double.scenarios.advanceClock(3 * DAY);
    expect(ended.events.map((event) => event.type)).toEqual(['customer.subscription.deleted']);
    const deleted = ended.event('customer.subscription.deleted');
    expect(deleted.created).toBe(trialEnd);
    expect(deleted.data.object).toMatchObject({
      id: subscription.id,
      status: 'canceled',
      ended_at: trialEnd,
    });
    expect(await stripe.subscriptions.retrieve(subscription.id)).toMatchObject({ status: 'canceled' });
    // Nothing more falls due for a canceled subscription.
    expect(double.scenarios.advanceClock(40 * DAY).events).toEqual([]);
  });

  it('turns a trial with a card on file into an active subscription with a paid first invoice', async () => {
    const subscription = await trialWithoutCard({ trialDays: 3, paymentMethod: 'pm_card_visa' });
    // A trial of three days or less gets its notice at once, as `stripe trigger` shows.
    expect(double.events().map((event) => event.type)).toContain('customer.subscription.trial_will_end');

    const ended = double.scenarios.advanceClock(3 * DAY + 60);
    expect(ended.events.map((event) => event.type)).not.toContain('customer.subscription.trial_will_end');
    expect(ended.event('customer.subscription.updated').data.previous_attributes).toMatchObject({
      status: 'trialing',
    });
    const paid = ended.event('invoice.paid').data.object as InvoiceObject;
    expect(paid).toMatchObject({ amount_paid: 1900, billing_reason: 'subscription_cycle' });
    const active = must(double.retrieve<SubscriptionObject>(subscription.id), 'the subscription');
    expect(active.status).toBe('active');
    expect(active.items.data[0]?.current_period_start).toBe(subscription.trial_end);
  });

  it("limits an advance to one customer's subscriptions, like a test clock of its own", async () => {
    const mine = await trialWithoutCard();
    const other = await trialWithoutCard();

    const ended = double.scenarios.advanceClock(15 * DAY, { customer: mine.customer as string });

    expect(ended.subscriptions.map((subscription) => subscription.id)).toEqual([mine.id]);
    expect(double.retrieve<SubscriptionObject>(mine.id)?.status).toBe('canceled');
    expect(double.retrieve<SubscriptionObject>(other.id)?.status).toBe('trialing');
    // The other one's end is overdue now and happens at the next advance that includes it.
    const caughtUp = double.scenarios.advanceClock(1);
    expect(caughtUp.event('customer.subscription.deleted').data.object).toMatchObject({ id: other.id });
  });

  it('renews every period that falls due while the clock moves, in time order', async () => {
    const price = await monthlyPrice();
    const customer = await stripe.customers.create({
      invoice_settings: { default_payment_method: 'pm_card_visa' },
    });
    const subscription = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
    });

    const passed = double.scenarios.advanceClock(65 * DAY);
    const renewals = passed.events.filter((event) => event.type === 'invoice.paid');
    expect(renewals).toHaveLength(2);
    const times = renewals.map((event) => event.created);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(double.retrieve<SubscriptionObject>(subscription.id)?.status).toBe('active');
    expect(() => double.scenarios.advanceClock(0)).toThrow(ScenarioError);
  });
});
