import { Client } from 'pg';

import { bearer, signUp, TestAccount } from '../support/accounts';
import { AdminCredentials } from '../support/admin';
import {
  adminUser,
  billingEnvironment,
  checkout,
  CheckoutCompletion,
  createPlan,
  creditBalance,
  creditPackPlan,
  deliverAll,
  eventually,
  features,
  FREE_FEATURES,
  isoFromUnix,
  me,
  PAID_FEATURES,
  paidPlan,
  payForCreditPack,
  PlanBody,
  PriceBody,
  priceOf,
  sleep,
  storedEvents,
  subscribe,
  subscriptionOf,
} from '../support/billing';
import { must } from '../support/must';
import { startBillingWorld, BillingWorld } from '../support/billing-world';
import { api, startTestServer, TestServer } from '../support/test-app';
import { TestDatabaseServer } from '../support/test-database';
import { StripeDouble, SubscriptionObject } from '../stripe-double';

describe('reconciliation with Stripe, and refunds', () => {
  let world: BillingWorld;
  let stripe: StripeDouble;
  let database: TestDatabaseServer;
  let server: TestServer;
  let admin: AdminCredentials;
  let asAdmin: Record<string, string>;
  let subscriptionPlan: PlanBody;
  let monthly: PriceBody;
  let creditPack: PriceBody;

  beforeAll(async () => {
    world = await startBillingWorld();
    ({ stripe, database, admin, server, asAdmin } = world);
    subscriptionPlan = await createPlan(server, asAdmin, paidPlan());
    monthly = priceOf(subscriptionPlan, 'month');
    creditPack = priceOf(await createPlan(server, asAdmin, creditPackPlan()), 'one_time');
  });
  afterEach(() => stripe.clearFaults());
  afterAll(() => world?.stop());

  function reconcile(user: TestAccount) {
    return api(server).post(`/v1/admin/users/${user.id}/reconcile`).set(asAdmin).expect(200);
  }

  function catchUp() {
    return api(server).post('/v1/admin/billing/catch-up').set(asAdmin).expect(200);
  }

  /** Checkout on the API, paid on Stripe's page; none of Stripe's events reaches the service. */
  async function subscribeSilently(user: TestAccount): Promise<CheckoutCompletion> {
    const session = await checkout(server, user, monthly.id);
    return stripe.scenarios.completeCheckoutSession(session.id, { subscriptionStatus: 'active' });
  }

  /** Every one of these events is in the inbox, once, and done with. */
  async function expectAllStored(eventIds: string[]): Promise<void> {
    for (const id of eventIds) {
      expect(await storedEvents(server, asAdmin, id)).toEqual([
        expect.objectContaining({ id, status: expect.stringMatching(/^(processed|ignored)$/) }),
      ]);
    }
  }

  it('re-syncs a user from Stripe when their webhooks never arrived', async () => {
    const user = await signUp(server.url, 'reconciled');
    const { subscription } = await subscribeSilently(user);
    const subscriptionId = subscription!.id;
    expect(await subscriptionOf(server, user)).toBeNull();

    const first = await reconcile(user);
    expect(first.body).toMatchObject({
      subscription: { status: 'active', plan: subscriptionPlan.key, priceId: monthly.id },
      credits: { balance: 0 },
    });
    const inStripe = must(stripe.retrieve<SubscriptionObject>(subscriptionId), 'the subscription in Stripe');
    const periodEnd = must(inStripe.items.data[0], 'a subscription item').current_period_end;
    expect(await subscriptionOf(server, user)).toMatchObject({
      status: 'active',
      plan: subscriptionPlan.key,
      priceId: monthly.id,
      currentPeriodEnd: isoFromUnix(periodEnd),
      cancelAtPeriodEnd: false,
    });
    expect(features((await me(server, user)).entitlements)).toEqual(PAID_FEATURES);

    stripe.scenarios.cancelAtPeriodEnd(subscriptionId);
    expect((await reconcile(user)).body.subscription).toMatchObject({
      status: 'active',
      cancelAtPeriodEnd: true,
    });
    expect(await subscriptionOf(server, user)).toMatchObject({ cancelAtPeriodEnd: true });

    stripe.scenarios.renewSubscription(subscriptionId); // the period ends: the cancellation takes effect
    expect(stripe.retrieve<SubscriptionObject>(subscriptionId)!.status).toBe('canceled');
    expect((await reconcile(user)).body.subscription).toMatchObject({ status: 'canceled' });
    expect(await subscriptionOf(server, user)).toMatchObject({ status: 'canceled' });
    expect(features((await me(server, user)).entitlements)).toEqual(FREE_FEATURES);

    await api(server).post(`/v1/admin/users/${user.id}/reconcile`).set(bearer(user)).expect(403);
  });

  it('imports and processes the events that never arrived, once', async () => {
    const delivered = await signUp(server.url, 'delivered');
    await subscribe({ server, stripe }, delivered, monthly);
    await sleep(1_100); // the missed events come strictly after the newest stored one

    const missed = await signUp(server.url, 'missed');
    const completion = await subscribeSilently(missed);
    const missedIds = completion.events.map((event) => event.id);
    expect(await subscriptionOf(server, missed)).toBeNull();

    const caughtUp = await catchUp();
    expect(caughtUp.body).toEqual({ imported: expect.any(Number), processed: expect.any(Number) });
    expect(caughtUp.body.imported).toBeGreaterThanOrEqual(missedIds.length);
    expect(caughtUp.body.processed).toBeGreaterThanOrEqual(1);
    await eventually(async () =>
      expect(await subscriptionOf(server, missed)).toMatchObject({
        status: 'active',
        plan: subscriptionPlan.key,
        priceId: monthly.id,
      }),
    );
    await expectAllStored(missedIds);

    const again = await catchUp();
    expect(again.body.imported).toBe(0);
    await expectAllStored(missedIds);
  });

  it('catches up by itself every RECONCILE_INTERVAL_MS, two instances taking turns', async () => {
    const env = billingEnvironment(stripe, admin, {
      DATABASE_URL: database.url,
      RECONCILE_INTERVAL_MS: '300',
    });
    const periodic = await Promise.all([startTestServer(env), startTestServer(env)]);
    try {
      const user = await signUp(server.url, 'periodic');
      const completion = await subscribeSilently(user);
      await eventually(
        async () => expect(await subscriptionOf(server, user)).toMatchObject({ status: 'active' }),
        15_000,
      );
      // A pass stores its events one by one: the subscription can be active before the last is stored.
      await eventually(() => expectAllStored(completion.events.map((event) => event.id)));
    } finally {
      await Promise.all(periodic.map((instance) => instance.stop()));
    }
  });

  it('holds no database transaction while Stripe answers a pass slowly', async () => {
    await subscribe({ server, stripe }, await signUp(server.url, 'slow-stripe'), monthly);
    const periodic = await startTestServer(
      billingEnvironment(stripe, admin, { DATABASE_URL: database.url, RECONCILE_INTERVAL_MS: '400' }),
    );
    try {
      for (const path of ['/v1/events', '/v1/subscriptions/:id']) {
        stripe.clearRequests();
        stripe.hangNext({ method: 'GET', path, delayMs: 1_500 });
        await eventually(() =>
          Promise.resolve(
            expect(stripe.requests({ method: 'GET', path }).filter((request) => request.fault)).toHaveLength(
              1,
            ),
          ),
        );
        // While the pass waits on Stripe: no connection of the pool sits in a transaction.
        expect(await transactionsHeldDuring(database.url, 1_000)).toEqual([]);
      }
    } finally {
      await periodic.stop();
    }
  });

  it('catches up events created in the same second as the newest stored one', async () => {
    const delivered = await signUp(server.url, 'same-second-delivered');
    const missed = await signUp(server.url, 'same-second-missed');
    const deliveredSession = await checkout(server, delivered, monthly.id);
    const missedSession = await checkout(server, missed, monthly.id);
    await sleep(1_005 - (Date.now() % 1_000)); // just after a second starts
    const deliveredCompletion = stripe.scenarios.completeCheckoutSession(deliveredSession.id);
    const missedCompletion = stripe.scenarios.completeCheckoutSession(missedSession.id);
    const seconds = new Set(
      [...deliveredCompletion.events, ...missedCompletion.events].map((event) => event.created),
    );
    expect(seconds.size).toBe(1);

    await deliverAll(server, stripe, deliveredCompletion.events);
    await catchUp();
    await eventually(async () =>
      expect(await subscriptionOf(server, missed)).toMatchObject({ status: 'active' }),
    );
    await expectAllStored(missedCompletion.events.map((event) => event.id));
  });

  describe('refunds take back unspent credits, never below zero', () => {
    async function buyCredits(user: TestAccount) {
      const purchase = await payForCreditPack({ server, stripe }, user, creditPack);
      await deliverAll(server, stripe, purchase.completion.events);
      return purchase.completion.charge!.id;
    }

    it('takes all 100 back on a full refund', async () => {
      const user = await signUp(server.url, 'full-refund');
      const chargeId = await buyCredits(user);
      await eventually(async () => expect(await creditBalance(server, user)).toBe(100));

      await deliverAll(server, stripe, stripe.scenarios.refundCharge(chargeId).events);
      await eventually(async () => expect(await creditBalance(server, user)).toBe(0));
      const { credits } = await adminUser(server, asAdmin, user.id);
      expect(credits.balance).toBe(0);
      expect(credits.ledger.map(({ delta, balanceAfter }) => ({ delta, balanceAfter }))).toEqual(
        expect.arrayContaining([
          { delta: 100, balanceAfter: 100 },
          { delta: -100, balanceAfter: 0 },
        ]),
      );
      expect(credits.ledger).toHaveLength(2);
    });

    it('takes half back when half is refunded', async () => {
      const user = await signUp(server.url, 'half-refund');
      const chargeId = await buyCredits(user);
      await eventually(async () => expect(await creditBalance(server, user)).toBe(100));

      const refund = stripe.scenarios.refundCharge(chargeId, { amount: 250 });
      await deliverAll(server, stripe, refund.events);
      await eventually(async () => expect(await creditBalance(server, user)).toBe(50));
      await deliverAll(server, stripe, refund.events); // Stripe delivering it again
      await sleep(300);
      expect(await creditBalance(server, user)).toBe(50);
    });

    it("takes back only the refunded pack's credits", async () => {
      const user = await signUp(server.url, 'two-packs');
      const firstCharge = await buyCredits(user);
      await buyCredits(user);
      await eventually(async () => expect(await creditBalance(server, user)).toBe(200));

      await deliverAll(server, stripe, stripe.scenarios.refundCharge(firstCharge).events);
      await eventually(async () => expect(await creditBalance(server, user)).toBe(100));
    });

    it('never goes below zero when partial refunds arrive out of order or twice', async () => {
      const user = await signUp(server.url, 'refunds-out-of-order');
      const chargeId = await buyCredits(user);
      await eventually(async () => expect(await creditBalance(server, user)).toBe(100));
      const firstHalf = stripe.scenarios.refundCharge(chargeId, { amount: 250 });
      const secondHalf = stripe.scenarios.refundCharge(chargeId, { amount: 250 });

      await deliverAll(server, stripe, secondHalf.events);
      await eventually(async () => expect(await creditBalance(server, user)).toBe(0));
      await deliverAll(server, stripe, firstHalf.events);
      await deliverAll(server, stripe, secondHalf.events);
      await eventually(async () =>
        expect(await storedEvents(server, asAdmin, firstHalf.event('charge.refunded').id)).toEqual([
          expect.objectContaining({ status: 'processed' }),
        ]),
      );
      await sleep(300);
      const { credits } = await adminUser(server, asAdmin, user.id);
      expect(credits.balance).toBe(0);
      expect(credits.ledger.every((entry) => entry.balanceAfter >= 0)).toBe(true);
      expect(credits.ledger.reduce((sum, entry) => sum + entry.delta, 0)).toBe(0);
    });
  });
});

describe('catch-up keeps a watermark: every missed event since the last complete catch-up, however old', () => {
  let world: BillingWorld;
  let stripe: StripeDouble;
  let server: TestServer;
  let asAdmin: Record<string, string>;
  let monthly: PriceBody;

  beforeAll(async () => {
    world = await startBillingWorld();
    ({ stripe, server, asAdmin } = world);
    monthly = priceOf(await createPlan(server, asAdmin, paidPlan()), 'month');
  });
  afterAll(() => world?.stop());

  async function catchUp(): Promise<{ imported: number; processed: number }> {
    return (await api(server).post('/v1/admin/billing/catch-up').set(asAdmin).expect(200)).body;
  }

  async function subscribeSilently(user: TestAccount): Promise<string[]> {
    const session = await checkout(server, user, monthly.id);
    const completion = stripe.scenarios.completeCheckoutSession(session.id, { subscriptionStatus: 'active' });
    return completion.events.map((event) => event.id);
  }

  it('imports a dropped event created long before the newest stored one, and nothing the second time', async () => {
    await subscribe({ server, stripe }, await signUp(server.url, 'watermark-first'), monthly);
    await catchUp(); // the catalog's and the checkout's own events, never delivered; the watermark is set

    const early = await signUp(server.url, 'watermark-early-missed');
    const earlyEvents = await subscribeSilently(early);
    stripe.clock.advance(3_600); // an hour of Stripe's time: far beyond the old 600 s look-back
    await subscribe({ server, stripe }, await signUp(server.url, 'watermark-delivered'), monthly);
    const late = await signUp(server.url, 'watermark-late-missed');
    const lateEvents = await subscribeSilently(late);

    // and the customers the checkouts created
    expect((await catchUp()).imported).toBeGreaterThanOrEqual(earlyEvents.length + lateEvents.length);
    for (const user of [early, late]) {
      await eventually(async () =>
        expect(await subscriptionOf(server, user)).toMatchObject({ status: 'active' }),
      );
    }
    for (const id of [...earlyEvents, ...lateEvents]) {
      expect(await storedEvents(server, asAdmin, id)).toEqual([
        expect.objectContaining({ id, status: expect.stringMatching(/^(processed|ignored)$/) }),
      ]);
    }
    expect((await catchUp()).imported).toBe(0);
  });

  it('imports every missed event when they fill more than one page of Stripe’s list', async () => {
    const client = stripe.createClient();
    const customers = 150; // Stripe lists at most 100 a page
    for (let index = 0; index < customers; index++) {
      await client.customers.create({ email: `catch-up-page-${index}@example.com` });
    }
    expect(stripe.events({ type: 'customer.created' }).length).toBeGreaterThanOrEqual(customers);
    stripe.clearRequests();

    expect((await catchUp()).imported).toBe(customers);

    // Page by page: the first page's events were stored before the second page was asked for.
    const [firstPage, secondPage] = stripe.requests({ method: 'GET', path: '/v1/events' });
    expect(secondPage?.query).toMatchObject({ starting_after: expect.any(String) });
    const firstPageIds = (
      must(firstPage, 'a first page').responseBody as { data: { id: string }[] }
    ).data.map((event) => event.id);
    expect(firstPageIds).toHaveLength(100);
    const stored = await inDatabase<{ received_at: Date }>(
      world.database.url,
      'SELECT received_at FROM webhook_events WHERE id = ANY($1::text[])',
      [firstPageIds],
    );
    expect(stored).toHaveLength(100);
    const secondAskedAt = must(secondPage, 'a second page').receivedAt.getTime();
    expect(stored.filter((row) => row.received_at.getTime() > secondAskedAt)).toEqual([]);

    expect((await catchUp()).imported).toBe(0);
  });
});

async function inDatabase<Row extends object>(
  url: string,
  sql: string,
  values: unknown[] = [],
): Promise<Row[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** Connections of the database that sat in an open transaction for over 300 ms, sampled every 50 ms. */
async function transactionsHeldDuring(url: string, milliseconds: number): Promise<string[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const held = new Set<string>();
  try {
    for (const until = Date.now() + milliseconds; Date.now() < until; await sleep(50)) {
      const { rows } = await client.query<{ pid: number; query: string }>(
        `SELECT pid, query FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()
           AND state LIKE 'idle in transaction%' AND now() - xact_start > interval '300 milliseconds'`,
      );
      for (const row of rows) held.add(`${row.pid}: ${row.query}`);
    }
  } finally {
    await client.end();
  }
  return [...held];
}
