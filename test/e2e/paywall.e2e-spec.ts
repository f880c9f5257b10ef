import { bearer, signUp, TestAccount } from '../support/accounts';
import { AdminCredentials, adminEnvironment, adminHeaders } from '../support/admin';
import {
  billingEnvironment,
  checkout,
  createPlan,
  creditPackPlan,
  deliverAll,
  eventually,
  isolatedDatabase,
  paidPlan,
  payForCreditPack,
  priceOf,
  sleep,
  subscribe,
  webhookEvents,
  PlanBody,
} from '../support/billing';
import { api, dbPoolAcquires, startTestServer, TestServer } from '../support/test-app';
import { TestDatabaseServer } from '../support/test-database';
import { StripeDouble } from '../stripe-double';

const REPORTS = '/v1/reports/summary';

function statusOf(server: TestServer, user: TestAccount, path = REPORTS): Promise<number> {
  return api(server)
    .get(path)
    .set(bearer(user))
    .then((response) => response.status);
}

/** `count` project creates sent at once; their statuses. */
function createProjectsAtOnce(server: TestServer, user: TestAccount, count: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: count }, (_, index) =>
      api(server)
        .post('/v1/projects')
        .set(bearer(user))
        .send({ name: `project ${index}` })
        .then((response) => response.status),
    ),
  );
}

/** Pool acquires, less the once-a-second background write of recent 402s (not a request's work). */
const dbAcquires = (server: TestServer) => dbPoolAcquires(server, ['payment_required_log_writes_total']);

describe('the PaymentGuard: 402 until paid', () => {
  let stripe: StripeDouble;
  let database: TestDatabaseServer;
  let server: TestServer;
  let second: TestServer;
  let admin: AdminCredentials;
  let asAdmin: Record<string, string>;
  let pro: PlanBody;
  let basic: PlanBody;

  beforeAll(async () => {
    [stripe, database] = await Promise.all([StripeDouble.start(), isolatedDatabase()]);
    admin = adminEnvironment();
    const env = billingEnvironment(stripe, admin, { DATABASE_URL: database.url });
    // The second instance runs no background worker pass during a test, so its query count is the requests' own.
    [server, second] = await Promise.all([
      startTestServer(env),
      startTestServer({
        ...env,
        WEBHOOK_WORKER_INTERVAL_MS: '600000',
        MAIL_WORKER_INTERVAL_MS: '600000',
        METER_EVENT_WORKER_INTERVAL_MS: '600000',
      }),
    ]);
    asAdmin = await adminHeaders(server.url, admin);
    pro = await createPlan(server, asAdmin, { ...paidPlan(), name: 'Pro' });
    basic = await createPlan(server, asAdmin, {
      ...paidPlan(),
      key: `basic-${pro.key}`,
      name: 'Basic',
      features: [{ key: 'projects', limit: 10 }],
      prices: [{ interval: 'month', amount: 900, currency: 'usd' }],
    });
  });
  afterEach(() => stripe.clearFaults());
  afterAll(async () => {
    await Promise.all([server?.stop(), second?.stop()]);
    await stripe?.stop();
    await database?.release();
  });

  it('answers a free user 402 subscription_required with what to buy and where', async () => {
    const user = await signUp(server.url);
    await api(server).get(REPORTS).expect(401);
    const response = await api(server).get(REPORTS).set(bearer(user)).expect(402);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toMatchObject({
      type: '/problems/subscription-required',
      title: 'Payment required',
      status: 402,
      code: 'subscription_required',
      instance: REPORTS,
      feature: 'reports',
      subscription: null,
      actions: {
        checkout: { method: 'POST', href: '/v1/billing/checkout' },
        portal: { method: 'POST', href: '/v1/billing/portal' },
      },
    });
    expect(response.body.detail).toMatch(
      /^Reports are part of the .*Pro.* plan\. Subscribe to unlock them\.$/,
    );
    const offered = response.body.plans.find((plan: { key: string }) => plan.key === pro.key);
    expect(offered).toEqual({
      key: pro.key,
      name: 'Pro',
      prices: [
        { id: priceOf(pro, 'month').id, interval: 'month', amount: 1900, currency: 'usd' },
        { id: priceOf(pro, 'year').id, interval: 'year', amount: 19000, currency: 'usd' },
      ],
    });
    expect(response.body.plans.map((plan: { key: string }) => plan.key)).not.toContain(basic.key);

    const metrics = await api(server).get('/metrics').expect(200);
    expect(metrics.text).toMatch(
      /payment_required_total\{code="subscription_required",feature="reports",route="\/v1\/reports\/summary"\} [1-9]/,
    );
    await eventually(async () => {
      const detail = await api(server).get(`/v1/admin/users/${user.id}`).set(asAdmin).expect(200);
      expect(detail.body.recentPaymentRequired[0]).toMatchObject({
        code: 'subscription_required',
        feature: 'reports',
      });
    });
  });

  it('lets a free user create 3 projects, then 402 limit_reached; 10 concurrent creates make exactly 3', async () => {
    const sequential = await signUp(server.url);
    for (let index = 0; index < 3; index++) {
      await api(server)
        .post('/v1/projects')
        .set(bearer(sequential))
        .send({ name: `p${index}` })
        .expect(201);
    }
    const refused = await api(server)
      .post('/v1/projects')
      .set(bearer(sequential))
      .send({ name: 'p4' })
      .expect(402);
    expect(refused.body).toMatchObject({
      code: 'limit_reached',
      feature: 'projects',
      limit: { limit: 3, used: 3 },
    });
    expect(refused.body.plans.map((plan: { key: string }) => plan.key)).toEqual(
      expect.arrayContaining([pro.key, basic.key]),
    );

    const concurrent = await signUp(server.url);
    const statuses = await createProjectsAtOnce(server, concurrent, 10);
    expect(statuses.filter((status) => status === 201)).toHaveLength(3);
    expect(statuses.filter((status) => status === 402)).toHaveLength(7);
    const listed = await api(server).get('/v1/projects').set(bearer(concurrent)).expect(200);
    expect(listed.body.data).toHaveLength(3);

    await api(server).delete(`/v1/projects/${listed.body.data[0].id}`).set(bearer(concurrent)).expect(204);
    await api(server).post('/v1/projects').set(bearer(concurrent)).send({ name: 'again' }).expect(201);
  });

  it('lets a Pro subscriber (projects unlimited) create past the free limit, 10 at once', async () => {
    const user = await signUp(server.url);
    await subscribe({ server, stripe }, user, priceOf(pro, 'month'));
    const statuses = await createProjectsAtOnce(server, user, 10);
    expect(statuses).toEqual(Array(10).fill(201));
    const listed = await api(server).get('/v1/projects').set(bearer(user)).expect(200);
    expect(listed.body.data).toHaveLength(10);
  });

  it('402 insufficient_credits, then a bought pack is spent exactly under 20 concurrent exports', async () => {
    const packs = await createPlan(server, asAdmin, creditPackPlan(undefined, 5));
    const user = await signUp(server.url);
    const project = await api(server)
      .post('/v1/projects')
      .set(bearer(user))
      .send({ name: 'data' })
      .expect(201);
    const refused = await api(server)
      .post('/v1/exports')
      .set(bearer(user))
      .send({ projectId: project.body.id })
      .expect(402);
    expect(refused.body).toMatchObject({
      code: 'insufficient_credits',
      credits: { required: 1, balance: 0 },
    });
    expect(refused.body.plans).toContainEqual(
      expect.objectContaining({ key: packs.key, prices: [expect.objectContaining({ credits: 5 })] }),
    );

    const { completion } = await payForCreditPack({ server, stripe }, user, priceOf(packs, 'one_time'));
    await deliverAll(server, stripe, completion.events);

    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        api(server).post('/v1/exports').set(bearer(user)).send({ projectId: project.body.id }),
      ),
    );
    const created = responses.filter((response) => response.status === 201);
    expect(created).toHaveLength(5);
    expect(responses.filter((response) => response.status === 402)).toHaveLength(15);
    expect(created.map((response) => response.body.creditsRemaining).sort()).toEqual([0, 1, 2, 3, 4]);
    const me = await api(server).get('/v1/me').set(bearer(user)).expect(200);
    expect(me.body.credits.balance).toBe(0);
    const detail = await api(server).get(`/v1/admin/users/${user.id}`).set(asAdmin).expect(200);
    const spends = detail.body.credits.ledger.filter((entry: { reason: string }) =>
      entry.reason.startsWith('spend'),
    );
    expect(spends).toHaveLength(5);
  });

  it('gives failed requests their credits back', async () => {
    const packs = await createPlan(server, asAdmin, creditPackPlan(undefined, 2));
    const user = await signUp(server.url);
    const { completion } = await payForCreditPack({ server, stripe }, user, priceOf(packs, 'one_time'));
    await deliverAll(server, stripe, completion.events);
    await api(server)
      .post('/v1/exports')
      .set(bearer(user))
      .send({ projectId: '00000000-0000-4000-8000-000000000000' })
      .expect(404);
    const me = await api(server).get('/v1/me').set(bearer(user)).expect(200);
    expect(me.body.credits.balance).toBe(2);
  });

  describe('POST /v1/exports: 401, then 402, then 404, and a 404 spends nothing', () => {
    const NO_PROJECT = '00000000-0000-4000-8000-000000000000';

    interface AccountCredits {
      balance: number;
      expiring: { remaining: number }[];
      ledger: { delta: number; reason: string }[];
    }

    async function accountOf(user: TestAccount): Promise<string> {
      return (await api(server).get('/v1/me').set(bearer(user)).expect(200)).body.account.id as string;
    }

    async function creditsOf(accountId: string): Promise<AccountCredits> {
      return (await api(server).get(`/v1/admin/accounts/${accountId}`).set(asAdmin).expect(200)).body
        .credits as AccountCredits;
    }

    function exportOf(user: TestAccount, projectId: string) {
      return api(server).post('/v1/exports').set(bearer(user)).send({ projectId });
    }

    it('answers 401 without a caller and 402 without credits, whether the project exists or not', async () => {
      await api(server).post('/v1/exports').send({ projectId: NO_PROJECT }).expect(401);
      const user = await signUp(server.url);
      const refused = await exportOf(user, NO_PROJECT).expect(402);
      expect(refused.body).toMatchObject({
        code: 'insufficient_credits',
        credits: { required: 1, balance: 0 },
      });
    });

    // Credits that never expire take the one-statement path; expiring ones the locked transaction.
    for (const expiring of [false, true]) {
      it(`answers 404 for another account's project without spending (${expiring ? 'expiring' : 'lasting'} credits)`, async () => {
        const [user, other] = await Promise.all([signUp(server.url), signUp(server.url)]);
        const accountId = await accountOf(user);
        const expiresAt = expiring ? new Date(Date.now() + 86_400_000).toISOString() : undefined;
        await api(server)
          .post(`/v1/admin/accounts/${accountId}/credits`)
          .set(asAdmin)
          .send({ amount: 3, reason: 'test', expiresAt })
          .expect(201);
        const foreign = await api(server).post('/v1/projects').set(bearer(other)).send({ name: 'theirs' });
        const own = await api(server).post('/v1/projects').set(bearer(user)).send({ name: 'mine' });

        const missing = await exportOf(user, foreign.body.id as string).expect(404);
        expect(missing.body.code).toBe('not_found');
        await exportOf(user, NO_PROJECT).expect(404);
        const untouched = await creditsOf(accountId);
        expect(untouched.balance).toBe(3);
        expect(untouched.ledger.map((entry) => entry.reason)).toEqual(['admin_grant']);
        expect(untouched.expiring.map((lot) => lot.remaining)).toEqual(expiring ? [3] : []);

        const created = await exportOf(user, own.body.id as string).expect(201);
        expect(created.body).toMatchObject({ projectId: own.body.id, creditsRemaining: 2 });
        const spent = await creditsOf(accountId);
        expect(spent.balance).toBe(2);
        expect(spent.ledger.filter((entry) => entry.reason.startsWith('spend'))).toEqual([
          expect.objectContaining({ delta: -1, reason: 'spend:/v1/exports' }),
        ]);
        expect(spent.expiring.map((lot) => lot.remaining)).toEqual(expiring ? [2] : []);
      });
    }
  });

  it('opens reports within 1 s of the subscription webhook, on both instances, and closes them on cancel', async () => {
    const user = await signUp(server.url);
    expect(await statusOf(server, user)).toBe(402);
    expect(await statusOf(second, user)).toBe(402);

    const session = await checkout(server, user, priceOf(pro, 'month').id);
    const completion = stripe.scenarios.completeCheckoutSession(session.id, { subscriptionStatus: 'active' });
    await deliverAll(server, stripe, completion.events);
    const acknowledgedAt = Date.now();
    await eventually(async () => expect(await statusOf(server, user)).toBe(200), 1_000);
    await eventually(async () => expect(await statusOf(second, user)).toBe(200), 1_000);
    expect(Date.now() - acknowledgedAt).toBeLessThan(1_000);

    const access = await api(second).get('/v1/reports/access').set(bearer(user)).expect(200);
    expect(access.body).toEqual({ feature: 'reports', granted: true });

    const deleted = stripe.scenarios.deleteSubscription(completion.subscription!.id);
    await deliverAll(second, stripe, deleted.events);
    await eventually(async () => expect(await statusOf(server, user)).toBe(402), 1_000);
    await eventually(async () => expect(await statusOf(second, user)).toBe(402), 1_000);
    await api(second).get('/v1/reports/access').set(bearer(user)).expect(402);
    const after = await api(server).get(REPORTS).set(bearer(user)).expect(402);
    expect(after.body).toMatchObject({ code: 'subscription_required', subscription: { status: 'canceled' } });
  });

  it('answers a feature check from the cache: no database query beyond the handler', async () => {
    const user = await signUp(server.url);
    await subscribe({ server, stripe }, user, priceOf(pro, 'month'));
    await api(second).get(REPORTS).set(bearer(user)).expect(200);
    // Background work that queries on its own must be over before counting: the subscription's remaining
    // webhooks (and the notifications they send) and the once-a-second write of earlier tests' 402s.
    await eventually(async () => expect(await webhookEvents(server, asAdmin, 'pending')).toEqual([]));
    await sleep(1_200);
    await api(second).get(REPORTS).set(bearer(user)).expect(200);
    const before = await dbAcquires(second);
    for (let index = 0; index < 20; index++) await api(second).get(REPORTS).set(bearer(user)).expect(200);
    const perRequest = ((await dbAcquires(second)) - before) / 20;
    // The summary itself runs two counts; the guard adds nothing.
    expect(perRequest).toBe(2);
  });

  it("computes a user's entitlements once for requests that miss the cache together", async () => {
    const user = await signUp(server.url);
    const ACCESS = '/v1/reports/access';
    // Each grant is a change: every instance drops the user's cached entitlements.
    const change = async () => {
      await api(server)
        .post(`/v1/admin/users/${user.id}/grants`)
        .set(asAdmin)
        .send({ feature: 'reports' })
        .expect(201);
      await sleep(300);
    };
    await change();
    expect(await statusOf(second, user, ACCESS)).toBe(200);

    await change();
    let before = await dbAcquires(second);
    expect(await statusOf(second, user, ACCESS)).toBe(200);
    const oneComputation = (await dbAcquires(second)) - before;
    expect(oneComputation).toBeGreaterThan(0);

    await change();
    before = await dbAcquires(second);
    const statuses = await Promise.all(Array.from({ length: 20 }, () => statusOf(second, user, ACCESS)));
    expect(statuses).toEqual(Array(20).fill(200));
    expect((await dbAcquires(second)) - before).toBe(oneComputation);
  });

  it('402 feature_not_in_plan on a plan without the feature', async () => {
    const user = await signUp(server.url);
    await subscribe({ server, stripe }, user, priceOf(basic, 'month'));
    const response = await api(server).get(REPORTS).set(bearer(user)).expect(402);
    expect(response.body).toMatchObject({
      code: 'feature_not_in_plan',
      subscription: { status: 'active', plan: basic.key },
    });
    expect(response.body.plans.map((plan: { key: string }) => plan.key)).toContain(pro.key);
  });

  it('402 payment_pending with Retry-After while the first payment is unconfirmed, then opens', async () => {
    const user = await signUp(server.url);
    const session = await checkout(server, user, priceOf(pro, 'month').id);
    const completion = stripe.scenarios.completeCheckoutSession(session.id, {
      subscriptionStatus: 'incomplete',
    });
    await deliverAll(server, stripe, completion.events);
    const pending = await api(server).get(REPORTS).set(bearer(user)).expect(402);
    expect(pending.body.code).toBe('payment_pending');
    expect(Number(pending.headers['retry-after'])).toBeGreaterThan(0);

    const invoiceId = String(stripe.retrieve(completion.subscription!.id)!.latest_invoice);
    await deliverAll(server, stripe, stripe.scenarios.payInvoice(invoiceId).events);
    await eventually(async () => expect(await statusOf(server, user)).toBe(200), 1_000);
  });

  it('keeps access while past_due until graceUntil; paused answers subscription_paused', async () => {
    const user = await signUp(server.url);
    const { subscriptionId } = await subscribe({ server, stripe }, user, priceOf(pro, 'month'));
    const renewal = stripe.scenarios.renewSubscription(subscriptionId, { paymentSucceeds: false });
    await deliverAll(server, stripe, renewal.events);
    const subscription = await api(server).get('/v1/billing/subscription').set(bearer(user)).expect(200);
    expect(subscription.body.status).toBe('past_due');
    expect(new Date(subscription.body.graceUntil).getTime()).toBeGreaterThan(
      Date.now() + 2 * 24 * 3600 * 1000,
    );
    expect(await statusOf(server, user)).toBe(200);

    const paused = await signUp(server.url);
    const pausedSubscription = await subscribe({ server, stripe }, paused, priceOf(pro, 'month'));
    await deliverAll(
      server,
      stripe,
      stripe.scenarios.pauseSubscription(pausedSubscription.subscriptionId).events,
    );
    const response = await api(server).get(REPORTS).set(bearer(paused)).expect(402);
    expect(response.body.code).toBe('subscription_paused');
  });

  it('opens a feature with an admin grant until it expires', async () => {
    const user = await signUp(server.url);
    expect(await statusOf(server, user)).toBe(402);
    const expiresAt = new Date(Date.now() + 2_000).toISOString();
    const grant = await api(server)
      .post(`/v1/admin/users/${user.id}/grants`)
      .set(asAdmin)
      .send({ feature: 'reports', expiresAt })
      .expect(201);
    expect(grant.body).toMatchObject({ feature: 'reports', limit: null, expiresAt });
    await eventually(async () => expect(await statusOf(server, user)).toBe(200), 1_000);
    await eventually(async () => expect(await statusOf(second, user)).toBe(200), 1_000);
    await sleep(Math.max(0, new Date(expiresAt).getTime() - Date.now()));
    await eventually(async () => expect(await statusOf(server, user)).toBe(402), 1_000);
    expect(await statusOf(second, user)).toBe(402);

    const revocable = await api(server)
      .post(`/v1/admin/users/${user.id}/grants`)
      .set(asAdmin)
      .send({ feature: 'reports' })
      .expect(201);
    await eventually(async () => expect(await statusOf(second, user)).toBe(200), 1_000);
    await api(server)
      .delete(`/v1/admin/users/${user.id}/grants/${revocable.body.id}`)
      .set(asAdmin)
      .expect(204);
    await eventually(async () => expect(await statusOf(second, user)).toBe(402), 1_000);
    const user2 = await signUp(server.url);
    await api(server)
      .post(`/v1/admin/users/${user2.id}/grants`)
      .set(bearer(user2))
      .send({ feature: 'reports' })
      .expect(403);
  });
});

describe('the grace period ending', () => {
  it('answers 402 past_due once graceUntil has passed', async () => {
    const [stripe, database] = await Promise.all([StripeDouble.start(), isolatedDatabase()]);
    const admin = adminEnvironment();
    const server = await startTestServer(
      billingEnvironment(stripe, admin, { DATABASE_URL: database.url, BILLING_GRACE_DAYS: '0' }),
    );
    try {
      const asAdmin = await adminHeaders(server.url, admin);
      const plan = await createPlan(server, asAdmin);
      const user = await signUp(server.url);
      const { subscriptionId } = await subscribe({ server, stripe }, user, priceOf(plan, 'month'));
      expect(await statusOf(server, user)).toBe(200);
      await deliverAll(
        server,
        stripe,
        stripe.scenarios.renewSubscription(subscriptionId, { paymentSucceeds: false }).events,
      );
      const response = await api(server).get(REPORTS).set(bearer(user)).expect(402);
      expect(response.body).toMatchObject({ code: 'past_due', subscription: { status: 'past_due' } });
    } finally {
      await server.stop();
      await stripe.stop();
      await database.release();
    }
  });
});
