import { bearer, signUp } from '../support/accounts';
import { AdminCredentials, adminEnvironment, adminHeaders } from '../support/admin';
import {
  adminUser,
  billingEnvironment,
  createPlan,
  creditBalance,
  creditPackPlan,
  deliver,
  eventually,
  isolatedDatabase,
  paidPlan,
  payForCreditPack,
  PlanBody,
  priceOf,
  sleep,
  StoppableDatabase,
  stoppableDatabase,
  storedEvents,
  subscribe,
  subscriptionOf,
  webhookEvents,
} from '../support/billing';
import { must } from '../support/must';
import { api, startTestServer, TestServer } from '../support/test-app';
import { TestDatabaseServer } from '../support/test-database';
import { StripeDouble } from '../stripe-double';

let stripe: StripeDouble;
let admin: AdminCredentials;

beforeAll(async () => {
  stripe = await StripeDouble.start();
  admin = adminEnvironment();
});
afterEach(() => stripe.clearFaults());
afterAll(() => stripe?.stop());

/** No client-side retries: one Stripe failure fails the handler. */
function environment(databaseUrl: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return billingEnvironment(stripe, admin, {
    DATABASE_URL: databaseUrl,
    STRIPE_MAX_NETWORK_RETRIES: '0',
    ...extra,
  });
}

describe('failed processing and replays', () => {
  let database: TestDatabaseServer;
  let server: TestServer;
  let asAdmin: Record<string, string>;
  let subscriptionPlan: PlanBody;
  let creditPlan: PlanBody;

  beforeAll(async () => {
    database = await isolatedDatabase();
    // A worker that polls all the time: a replay must answer with its own outcome even so.
    server = await startTestServer(environment(database.url, { WEBHOOK_WORKER_INTERVAL_MS: '10' }));
    asAdmin = await adminHeaders(server.url, admin);
    subscriptionPlan = await createPlan(server, asAdmin, paidPlan());
    creditPlan = await createPlan(server, asAdmin, creditPackPlan());
  });
  afterAll(async () => {
    await server?.stop();
    await database?.release();
  });

  it('keeps a failed processing with its error, and the worker retries it until it is processed', async () => {
    const user = await signUp(server.url, 'retried');
    const { subscriptionId } = await subscribe({ server, stripe }, user, priceOf(subscriptionPlan, 'month'));
    const updated = stripe.scenarios.cancelAtPeriodEnd(subscriptionId).event('customer.subscription.updated');

    // Stripe answers 500 when the handler re-fetches the subscription, until the fault is cleared.
    stripe.failNext({ method: 'GET', path: '/v1/subscriptions/:id', status: 500, times: 1_000 });
    const response = await deliver(server, stripe, updated).expect(200);
    expect(response.body).toEqual({ received: true });
    const failed = await eventually(async () => {
      const [row] = (await webhookEvents(server, asAdmin, 'failed')).filter(
        (event) => event.id === updated.id,
      );
      expect(row).toMatchObject({ type: 'customer.subscription.updated', status: 'failed' });
      return must(row, 'the failed event');
    });
    expect(failed.lastError).toEqual(expect.stringMatching(/\S/));
    expect(failed.attempts).toBeGreaterThanOrEqual(1);
    expect(failed.processedAt).toBeNull();
    expect(await subscriptionOf(server, user)).toMatchObject({ status: 'active', cancelAtPeriodEnd: false });
    expect(
      stripe.requests({ method: 'GET', path: `/v1/subscriptions/${subscriptionId}` }).length,
    ).toBeGreaterThan(0);

    stripe.clearFaults();
    const processed = await eventually(async () => {
      const rows = await storedEvents(server, asAdmin, updated.id);
      expect(rows).toEqual([expect.objectContaining({ status: 'processed' })]);
      return must(rows[0], 'the processed event');
    }, 15_000);
    expect(processed.attempts).toBeGreaterThanOrEqual(2);
    expect(processed.processedAt).toEqual(expect.any(String));
    expect(await subscriptionOf(server, user)).toMatchObject({ status: 'active', cancelAtPeriodEnd: true });
  });

  it('keeps serving requests that need the database while Stripe answers subscription fetches slowly', async () => {
    // More subscriptions than the database pool has connections (one fetch in flight per subscription:
    // events of one are coalesced), each fetch waiting 1.5 s for Stripe's answer (the client gives up
    // after 2 s here).
    const deliveries = 15;
    const subscribers = await Promise.all(
      Array.from({ length: deliveries }, async (_, index) => {
        const user = await signUp(server.url, `slow-stripe-${index}`);
        const { subscriptionId } = await subscribe(
          { server, stripe },
          user,
          priceOf(subscriptionPlan, 'month'),
        );
        return { user, subscriptionId };
      }),
    );
    const updates = subscribers.map(({ subscriptionId }) =>
      stripe.scenarios.cancelAtPeriodEnd(subscriptionId).event('customer.subscription.updated'),
    );
    stripe.hangNext({ method: 'GET', path: '/v1/subscriptions/:id', delayMs: 1_500, times: deliveries });
    const delivered = Promise.all(
      updates.map((updated) => deliver(server, stripe, updated).then((response) => response.status)),
    );
    await sleep(300);

    const other = await signUp(server.url, 'unaffected');
    const startedAt = Date.now();
    await api(server).get('/v1/me').set(bearer(other)).expect(200);
    await api(server).get('/v1/api-keys').set(bearer(other)).expect(200);
    const servedInMs = Date.now() - startedAt;

    expect(await delivered).toEqual(Array(deliveries).fill(200));
    expect(servedInMs).toBeLessThan(1_000);
    expect(stripe.pendingFaults()).toBe(0);
    for (const { user } of subscribers) {
      expect(await subscriptionOf(server, user)).toMatchObject({ status: 'active', cancelAtPeriodEnd: true });
    }
  });

  it('acknowledges an event whose processing outlasts WEBHOOK_INLINE_BUDGET_MS, and finishes it after the answer', async () => {
    const budgeted = await startTestServer(environment(database.url, { WEBHOOK_INLINE_BUDGET_MS: '200' }));
    try {
      const user = await signUp(budgeted.url, 'budgeted');
      const { subscriptionId } = await subscribe(
        { server: budgeted, stripe },
        user,
        priceOf(subscriptionPlan, 'month'),
      );
      const updated = stripe.scenarios
        .cancelAtPeriodEnd(subscriptionId)
        .event('customer.subscription.updated');
      stripe.hangNext({ method: 'GET', path: '/v1/subscriptions/:id', delayMs: 1_200, times: 1 });

      const startedAt = Date.now();
      await deliver(budgeted, stripe, updated).expect(200);
      const answeredInMs = Date.now() - startedAt;

      expect(answeredInMs).toBeLessThan(1_000);
      expect(await subscriptionOf(budgeted, user)).toMatchObject({ cancelAtPeriodEnd: false });
      await eventually(async () =>
        expect(await subscriptionOf(budgeted, user)).toMatchObject({ cancelAtPeriodEnd: true }),
      );
      const [stored] = await storedEvents(budgeted, asAdmin, updated.id);
      expect(stored).toMatchObject({ status: 'processed', attempts: 1 });
    } finally {
      await budgeted.stop();
    }
  });

  it('replays a processed event on request without applying it twice', async () => {
    const user = await signUp(server.url, 'replayed');
    const { completed } = await payForCreditPack({ server, stripe }, user, priceOf(creditPlan, 'one_time'));
    await deliver(server, stripe, completed).expect(200);
    await eventually(async () => expect(await creditBalance(server, user)).toBe(100));

    for (let replay = 1; replay <= 20; replay++) {
      const replayed = await api(server)
        .post(`/v1/admin/webhook-events/${completed.id}/replay`)
        .set(asAdmin)
        .expect(200);
      expect(replayed.body).toMatchObject({
        id: completed.id,
        type: 'checkout.session.completed',
        status: 'processed',
        attempts: replay + 1,
        lastError: null,
      });
    }
    expect(await creditBalance(server, user)).toBe(100);
    const { credits } = await adminUser(server, asAdmin, user.id);
    expect(credits.ledger).toEqual([expect.objectContaining({ delta: 100, balanceAfter: 100 })]);

    await api(server).post('/v1/admin/webhook-events/evt_never_received/replay').set(asAdmin).expect(404);
    const user2 = await signUp(server.url, 'not-admin');
    await api(server).post(`/v1/admin/webhook-events/${completed.id}/replay`).set(bearer(user2)).expect(403);
  });
});

describe('while PostgreSQL is down', () => {
  let database: StoppableDatabase;
  let server: TestServer;

  beforeAll(async () => {
    database = await stoppableDatabase('billing_outage');
    server = await startTestServer(environment(database.url));
  });
  afterAll(async () => {
    await server?.stop();
    await database?.remove();
  });

  it('answers webhooks 5xx so that Stripe retries, and takes the retry once it is back', async () => {
    const asAdmin = await adminHeaders(server.url, admin);
    const creditPlan = await createPlan(server, asAdmin, creditPackPlan());
    const user = await signUp(server.url, 'outage');
    const { completed } = await payForCreditPack({ server, stripe }, user, priceOf(creditPlan, 'one_time'));

    await database.stop();
    const during = await deliver(server, stripe, completed);
    expect([500, 503]).toContain(during.status);
    expect(JSON.stringify(during.body)).not.toMatch(/ECONNREFUSED|SELECT|INSERT|stack/i);
    await api(server).get('/health').expect(200);

    await database.start();
    await eventually(async () => expect((await api(server).get('/health/ready')).status).toBe(200), 20_000);
    const retried = await deliver(server, stripe, completed).expect(200);
    expect(retried.body).toEqual({ received: true });
    await eventually(async () =>
      expect(await storedEvents(server, asAdmin, completed.id)).toEqual([
        expect.objectContaining({ id: completed.id, status: 'processed' }),
      ]),
    );
    expect(await creditBalance(server, user)).toBe(100);
  }, 45_000);
});
