import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';

import { StripeDouble, type SubscriptionObject } from '../stripe-double';
import { bearer, signUp, TestAccount } from '../support/accounts';
import { AdminCredentials, adminEnvironment, adminHeaders, uniquePlanKey } from '../support/admin';
import {
  billingEnvironment,
  createPlan,
  eventually,
  isolatedDatabase,
  PlanBody,
  priceOf,
  subscribe,
  subscriptionOf,
} from '../support/billing';
import { must } from '../support/must';
import { proPlanBody } from '../support/plan-bodies';
import { api, startTestServer, TestServer } from '../support/test-app';
import { TestDatabaseServer } from '../support/test-database';

/** Short windows so a test sees them close; the default is a minute. */
const WINDOW_MS = 2_000;
const LIMIT = 5;

interface MeterEventRow {
  id: string;
  accountId: string;
  eventName: string;
  windowStart: string;
  value: number;
  identifier: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  lastError: string | null;
}

interface UsageEntry {
  feature: string;
  limit: number | null;
  used: number;
  period: string;
  overage: { priceId: string; units: number } | null;
}

describe('overage billed to Stripe meters', () => {
  let stripe: StripeDouble;
  let stripeClient: Stripe;
  let database: TestDatabaseServer;
  let admin: AdminCredentials;
  let env: NodeJS.ProcessEnv;
  let server: TestServer;
  let asAdmin: Record<string, string>;

  beforeAll(async () => {
    [stripe, database] = await Promise.all([StripeDouble.start(), isolatedDatabase()]);
    stripeClient = stripe.createClient({ maxNetworkRetries: 0 });
    admin = adminEnvironment();
    env = billingEnvironment(stripe, admin, {
      DATABASE_URL: database.url,
      METER_EVENT_WINDOW_MS: String(WINDOW_MS),
      METER_EVENT_RETRY_BASE_MS: '200',
      METER_EVENT_WORKER_INTERVAL_MS: '100',
    });
    server = await startTestServer(env);
    asAdmin = await adminHeaders(server.url, admin);
  });

  afterAll(async () => {
    await server?.stop();
    await stripe?.stop();
    await database?.release();
  });

  afterEach(() => stripe.clearFaults());

  /** What an admin sets up in Stripe: a meter, and a metered price on it. */
  async function meteredPrice(): Promise<{ meter: Stripe.Billing.Meter; price: Stripe.Price }> {
    const meter = await stripeClient.billing.meters.create({
      display_name: 'Analyses past the quota',
      event_name: `analyses_overage_${randomUUID().slice(0, 8)}`,
      default_aggregation: { formula: 'sum' },
    });
    const product = await stripeClient.products.create({ name: 'Analyses overage' });
    const price = await stripeClient.prices.create({
      product: product.id,
      currency: 'usd',
      unit_amount: 5,
      recurring: { interval: 'month', usage_type: 'metered', meter: meter.id },
    });
    return { meter, price };
  }

  function planWithOverage(overagePriceId: string | undefined, feature: object = {}) {
    const body = proPlanBody(uniquePlanKey('metered'), [
      { interval: 'month', amount: 1900, currency: 'usd' },
    ]);
    return {
      ...body,
      features: [
        ...body.features,
        {
          key: 'analyses',
          limit: LIMIT,
          period: 'day',
          ...(overagePriceId ? { overagePriceId } : {}),
          ...feature,
        },
      ],
    };
  }

  async function overagePlan(): Promise<{
    plan: PlanBody;
    meter: Stripe.Billing.Meter;
    price: Stripe.Price;
  }> {
    const { meter, price } = await meteredPrice();
    const plan = await createPlan(server, asAdmin, planWithOverage(price.id));
    return { plan, meter, price };
  }

  /** A user subscribed to `plan`, with a project to analyse, and their Stripe customer. */
  async function subscriber(plan: PlanBody, on: TestServer = server) {
    const user = await signUp(on.url, 'overage');
    const { completion, subscriptionId } = await subscribe(
      { server: on, stripe },
      user,
      priceOf(plan, 'month'),
    );
    const project = await api(on)
      .post('/v1/projects')
      .set(bearer(user))
      .send({ name: 'metered' })
      .expect(201);
    return {
      user,
      subscriptionId,
      customer: must(completion.customer, 'the checkout customer').id,
      projectId: project.body.id as string,
    };
  }

  async function analyses(
    on: TestServer,
    user: TestAccount,
    projectId: string,
    count: number,
  ): Promise<number[]> {
    const statuses: number[] = [];
    for (let made = 0; made < count; made++) {
      statuses.push((await api(on).post('/v1/analyses').set(bearer(user)).send({ projectId })).status);
    }
    return statuses;
  }

  async function usageOf(on: TestServer, user: TestAccount): Promise<UsageEntry | undefined> {
    const usage = await api(on).get('/v1/usage').set(bearer(user)).expect(200);
    return (usage.body.data as UsageEntry[]).find((entry) => entry.feature === 'analyses');
  }

  async function meterEventRows(on: TestServer, status?: string): Promise<MeterEventRow[]> {
    const response = await api(on)
      .get('/v1/admin/meter-events')
      .query({ ...(status ? { status } : {}), limit: 200 })
      .set(await adminHeaders(on.url, admin))
      .expect(200);
    return response.body.data as MeterEventRow[];
  }

  function eventsOf(customer: string, eventName: string) {
    return stripe.meterEvents({ customer, eventName });
  }

  /** Until `check` stops throwing (a synchronous look at the double), as `eventually`. */
  function eventuallyHolds(check: () => void, timeoutMs: number): Promise<void> {
    return eventually(() => Promise.resolve().then(check), timeoutMs);
  }

  /** At most one event per account and meter in any window: their timestamps are window starts, all different. */
  function expectOnePerWindow(events: { timestamp: number }[]): void {
    const windows = events.map((event) => Math.floor((event.timestamp * 1000) / WINDOW_MS));
    expect(new Set(windows).size).toBe(events.length);
  }

  describe('admin: plan features with overagePriceId', () => {
    it('stores a metered price on a meter and shows it on the plan', async () => {
      const { plan, price } = await overagePlan();
      expect(plan.features).toContainEqual({
        key: 'analyses',
        limit: LIMIT,
        period: 'day',
        overagePriceId: price.id,
      });
      const listed = await api(server).get('/v1/plans').expect(200);
      const shown = (listed.body.data as PlanBody[]).find((candidate) => candidate.key === plan.key);
      expect(shown?.features).toContainEqual(
        expect.objectContaining({ key: 'analyses', overagePriceId: price.id }),
      );
    });

    it('answers 400 naming the feature for a price that is not metered, or that Stripe does not know', async () => {
      const product = await stripeClient.products.create({ name: 'Licensed' });
      const licensed = await stripeClient.prices.create({
        product: product.id,
        currency: 'usd',
        unit_amount: 100,
        recurring: { interval: 'month' },
      });
      const notMetered = await api(server)
        .post('/v1/admin/plans')
        .set(asAdmin)
        .send(planWithOverage(licensed.id))
        .expect(400);
      expect(notMetered.body).toMatchObject({ code: 'validation_failed' });
      expect(notMetered.body.errors).toEqual([
        {
          field: 'features.2.overagePriceId',
          message: expect.stringMatching(`price ${licensed.id} is not on a meter`),
        },
      ]);

      const unknown = await api(server)
        .post('/v1/admin/plans')
        .set(asAdmin)
        .send(planWithOverage('price_doesnotexist'))
        .expect(400);
      expect(unknown.body.errors).toEqual([
        { field: 'features.2.overagePriceId', message: "No such price: 'price_doesnotexist'" },
      ]);

      const { price } = await meteredPrice();
      for (const feature of [{ period: undefined }, { limit: null }]) {
        const withoutQuota = await api(server)
          .post('/v1/admin/plans')
          .set(asAdmin)
          .send(planWithOverage(price.id, feature))
          .expect(400);
        expect(withoutQuota.body.errors).toContainEqual({
          field: 'features.2.overagePriceId',
          message: 'overagePriceId needs a finite limit and a period',
        });
      }

      const { plan } = await overagePlan();
      const update = await api(server)
        .patch(`/v1/admin/plans/${plan.key}`)
        .set(asAdmin)
        .send({ features: [{ key: 'analyses', limit: 5, period: 'day', overagePriceId: licensed.id }] })
        .expect(400);
      expect(update.body.errors).toEqual([
        { field: 'features.0.overagePriceId', message: expect.stringMatching('is not on a meter') },
      ]);
    });
  });

  it('lets 12 analyses through on a limit of 5, bills the 7 past it as meter events summing exactly 7, one per window', async () => {
    const { plan, meter, price } = await overagePlan();
    const { user, customer, projectId } = await subscriber(plan);

    // The checkout carried the metered price beside the plan's, without a quantity.
    const checkout = must(
      stripe.lastRequest({ method: 'POST', path: '/v1/checkout/sessions' }),
      'the checkout',
    );
    expect(checkout.body.line_items).toEqual([
      { price: priceOf(plan, 'month').stripePriceId, quantity: '1' },
      { price: price.id },
    ]);

    expect(await analyses(server, user, projectId, 12)).toEqual(Array(12).fill(201));
    expect(await usageOf(server, user)).toMatchObject({
      limit: LIMIT,
      used: 12,
      period: 'day',
      overage: { priceId: price.id, units: 7 },
    });

    await eventuallyHolds(
      () => expect(stripe.meterEventTotal({ customer, eventName: meter.event_name })).toBe(7),
      15_000,
    );
    const events = eventsOf(customer, meter.event_name);
    expectOnePerWindow(events);
    const rows = (await meterEventRows(server)).filter((row) => row.eventName === meter.event_name);
    expect(rows.map((row) => row.status)).toEqual(rows.map(() => 'sent'));
    expect(rows.map((row) => row.identifier).sort()).toEqual(events.map((event) => event.identifier).sort());
    expect(rows.reduce((total, row) => total + row.value, 0)).toBe(7);
  }, 40_000);

  it('keeps the overage pending while Stripe fails, and sends it once when Stripe is back: exactly the excess, no duplicate', async () => {
    const { plan, meter } = await overagePlan();
    const { user, customer, projectId } = await subscriber(plan);
    stripe.failNext({ status: 503, method: 'POST', path: '/v1/billing/meter_events', times: 10_000 });

    expect(await analyses(server, user, projectId, LIMIT + 3)).toEqual(Array(LIMIT + 3).fill(201));
    const failing = await eventually(async () => {
      const [row] = (await meterEventRows(server, 'pending')).filter(
        (candidate) => candidate.eventName === meter.event_name,
      );
      expect(row?.attempts).toBeGreaterThanOrEqual(2);
      expect(row?.lastError).toMatch(/Stripe could not be reached/);
      return must(row, 'the pending row');
    }, 20_000);
    expect(eventsOf(customer, meter.event_name)).toEqual([]);

    stripe.clearFaults();
    await eventuallyHolds(
      () => expect(stripe.meterEventTotal({ customer, eventName: meter.event_name })).toBe(3),
      20_000,
    );
    const events = eventsOf(customer, meter.event_name);
    expect(events.map((event) => event.identifier)).toContain(failing.identifier);
    expectOnePerWindow(events);
    const rows = (await meterEventRows(server)).filter((row) => row.eventName === meter.event_name);
    expect(rows.every((row) => row.status === 'sent' && row.lastError === null)).toBe(true);
  }, 60_000);

  it('on a plan change, the subscription carries exactly the new plan’s overage prices', async () => {
    const { plan, price } = await overagePlan();
    const plain = await createPlan(
      server,
      asAdmin,
      proPlanBody(uniquePlanKey('plain'), [{ interval: 'month', amount: 2900, currency: 'usd' }]),
    );
    const { user, subscriptionId } = await subscriber(plan);
    const stripeSubscription = () =>
      must(stripe.retrieve<SubscriptionObject>(subscriptionId), 'the Stripe subscription');

    await api(server)
      .post('/v1/billing/subscription/change')
      .set(bearer(user))
      .send({ priceId: priceOf(plain, 'month').id })
      .expect(200);
    expect(stripeSubscription().items.data.map((item) => item.price.id)).toEqual([
      priceOf(plain, 'month').stripePriceId,
    ]);
    expect(await subscriptionOf(server, user)).toMatchObject({ plan: plain.key, status: 'active' });

    await api(server)
      .post('/v1/billing/subscription/change')
      .set(bearer(user))
      .send({ priceId: priceOf(plan, 'month').id })
      .expect(200);
    expect(stripeSubscription().items.data.map((item) => item.price.id)).toEqual([
      priceOf(plan, 'month').stripePriceId,
      price.id,
    ]);
    expect(await subscriptionOf(server, user)).toMatchObject({
      plan: plan.key,
      priceId: priceOf(plan, 'month').id,
    });
  });

  it('after a kill -9 between Stripe taking the event and the row marked sent, sends the same identifier again: not doubled', async () => {
    // A database of its own, so that only the instance killed here sends its meter events.
    const own = await isolatedDatabase();
    const ownEnv = { ...env, DATABASE_URL: own.url };
    // A Stripe timeout well past the kill.
    let doomed = await startTestServer({ ...ownEnv, STRIPE_TIMEOUT_MS: '30000' });
    const { meter, price } = await meteredPrice();
    const plan = await createPlan(doomed, await adminHeaders(doomed.url, admin), planWithOverage(price.id));
    const { user, customer, projectId } = await subscriber(plan, doomed);
    // Stripe takes the event, then its answer never comes back.
    stripe.hangNext({ method: 'POST', path: '/v1/billing/meter_events', afterProcessing: true });

    expect(await analyses(doomed, user, projectId, LIMIT + 4)).toEqual(Array(LIMIT + 4).fill(201));
    // The 4 units may straddle a window boundary: then a second row waits behind the hung one.
    await eventuallyHolds(() => expect(eventsOf(customer, meter.event_name)).toHaveLength(1), 15_000);
    const [taken] = eventsOf(customer, meter.event_name);
    await eventually(async () => {
      const pending = (await meterEventRows(doomed, 'pending')).filter(
        (row) => row.eventName === meter.event_name,
      );
      expect(pending.map((row) => row.identifier)).toContain(taken?.identifier);
      expect(pending.reduce((sum, row) => sum + row.value, 0)).toBe(4);
    }, 15_000);
    await doomed.stop('SIGKILL');

    doomed = await startTestServer(ownEnv);
    try {
      await eventually(async () => {
        const rows = (await meterEventRows(doomed)).filter((row) => row.eventName === meter.event_name);
        expect(rows.map((row) => row.status)).toEqual(rows.map(() => 'sent'));
        expect(rows.map((row) => row.identifier)).toContain(taken?.identifier);
        expect(rows.reduce((sum, row) => sum + row.value, 0)).toBe(4);
      }, 20_000);
      const rows = (await meterEventRows(doomed)).filter((row) => row.eventName === meter.event_name);
      expect(stripe.meterEventTotal({ customer, eventName: meter.event_name })).toBe(4);
      expect(eventsOf(customer, meter.event_name)).toHaveLength(rows.length);
      const sends = stripe
        .requests({ method: 'POST', path: '/v1/billing/meter_events' })
        .filter((request) => request.body.identifier === taken?.identifier);
      expect(sends.length).toBeGreaterThanOrEqual(2);
      expect(new Set(sends.map((request) => request.idempotencyKey))).toEqual(new Set([taken?.identifier]));
      expect(await usageOf(doomed, user)).toMatchObject({ used: LIMIT + 4, overage: { units: 4 } });
    } finally {
      await doomed.stop();
      await own.release();
    }
  }, 60_000);
});
