import { bearer, signUp } from '../support/accounts';
import { AdminCredentials, adminEnvironment, adminHeaders, uniquePlanKey } from '../support/admin';
import { isolatedDatabase } from '../support/billing';
import { must } from '../support/must';
import { proPlanBody } from '../support/plan-bodies';
import { api, startTestServer, TestServer } from '../support/test-app';
import { StripeDouble } from '../stripe-double';

const WEBHOOK_SECRET = 'whsec_catalog_e2e';

interface PlanBody {
  key: string;
  name: string;
  stripeProductId: string;
  features: { key: string; limit: number | null }[];
  prices: {
    id: string;
    stripePriceId: string;
    interval: string;
    amount: number;
    currency: string;
    credits: number | null;
    active: boolean;
  }[];
}

/** The Pro plan with a trial and, besides its two recurring prices, a credit pack. */
function proPlan(key: string) {
  return {
    ...proPlanBody(key, [
      { interval: 'month', amount: 1900, currency: 'usd' },
      { interval: 'year', amount: 19000, currency: 'USD' },
      { interval: 'one_time', amount: 500, currency: 'usd', credits: 100 },
    ]),
    trialDays: 14,
  };
}

describe('plans catalog, kept in step with Stripe', () => {
  let stripe: StripeDouble;
  let server: TestServer;
  let admin: AdminCredentials;
  let asAdmin: Record<string, string>;

  beforeAll(async () => {
    stripe = await StripeDouble.start();
    admin = adminEnvironment();
    server = await startTestServer({
      ...admin,
      STRIPE_SECRET_KEY: StripeDouble.testSecretKey,
      STRIPE_API_BASE: stripe.url,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_TIMEOUT_MS: '800',
      STRIPE_MAX_NETWORK_RETRIES: '1',
    });
    asAdmin = await adminHeaders(server.url, admin);
  });
  afterEach(() => stripe.clearFaults());
  afterAll(async () => {
    await server?.stop();
    await stripe?.stop();
  });

  async function createPlan(key = uniquePlanKey('pro')): Promise<PlanBody> {
    const response = await api(server).post('/v1/admin/plans').set(asAdmin).send(proPlan(key)).expect(201);
    return response.body;
  }

  it('creates a plan with two recurring prices and a credit pack, in Stripe and in /v1/plans', async () => {
    stripe.clearRequests();
    const plan = await createPlan();

    const product = must(stripe.requests({ method: 'POST', path: '/v1/products' })[0], 'a product request');
    expect(product.body).toMatchObject({ name: 'Pro', metadata: { tollgate_plan: plan.key } });
    expect(product.idempotencyKey).toEqual(expect.any(String));
    const prices = stripe.requests({ method: 'POST', path: '/v1/prices' }).map((request) => request.body);
    expect(prices).toEqual([
      expect.objectContaining({
        product: plan.stripeProductId,
        unit_amount: '1900',
        currency: 'usd',
        recurring: { interval: 'month' },
      }),
      expect.objectContaining({
        product: plan.stripeProductId,
        unit_amount: '19000',
        currency: 'usd',
        recurring: { interval: 'year' },
      }),
      expect.objectContaining({
        product: plan.stripeProductId,
        unit_amount: '500',
        currency: 'usd',
        metadata: expect.objectContaining({ tollgate_credits: '100' }),
      }),
    ]);
    expect(prices[2]).not.toHaveProperty('recurring');

    const listed = await api(server).get('/v1/plans').expect(200);
    const pro = listed.body.data.find((candidate: PlanBody) => candidate.key === plan.key);
    expect(pro.features).toEqual([
      { key: 'projects', limit: null },
      { key: 'reports', limit: null },
    ]);
    expect(
      pro.prices.map((price: PlanBody['prices'][number]) => [
        price.interval,
        price.amount,
        price.currency,
        price.credits,
      ]),
    ).toEqual([
      ['month', 1900, 'usd', null],
      ['year', 19000, 'usd', null],
      ['one_time', 500, 'usd', 100],
    ]);
    for (const price of pro.prices) {
      expect(stripe.retrieve(price.stripePriceId)).toMatchObject({
        active: true,
        unit_amount: price.amount,
      });
    }
    const free = listed.body.data.find((candidate: PlanBody) => candidate.key === 'free');
    expect(free).toMatchObject({
      isDefault: true,
      prices: [],
      features: [
        { key: 'analyses', limit: 20, period: 'day' },
        { key: 'projects', limit: 3 },
      ],
    });
  });

  it('changes a price by creating a new Stripe price and archiving the old one', async () => {
    const plan = await createPlan();
    const oldMonthly = plan.prices.find((price) => price.interval === 'month')!;

    const created = await api(server)
      .post(`/v1/admin/plans/${plan.key}/prices`)
      .set(asAdmin)
      .send({ interval: 'month', amount: 2900, currency: 'usd' })
      .expect(201);
    expect(created.body).toMatchObject({ interval: 'month', amount: 2900, active: true });
    expect(created.body.stripePriceId).not.toBe(oldMonthly.stripePriceId);
    expect(stripe.retrieve(oldMonthly.stripePriceId)).toMatchObject({ active: false });
    expect(stripe.retrieve(created.body.stripePriceId)).toMatchObject({
      active: true,
      unit_amount: 2900,
    });

    const listed = await api(server).get('/v1/plans').expect(200);
    const monthly = listed.body.data
      .find((candidate: PlanBody) => candidate.key === plan.key)
      .prices.filter((price: PlanBody['prices'][number]) => price.interval === 'month');
    expect(monthly).toEqual([expect.objectContaining({ amount: 2900, id: created.body.id })]);

    await api(server)
      .delete(`/v1/admin/plans/${plan.key}/prices/${created.body.id}`)
      .set(asAdmin)
      .expect(200);
    expect(stripe.retrieve(created.body.stripePriceId)).toMatchObject({ active: false });
  });

  it('re-adds an archived amount as a new Stripe price', async () => {
    const plan = await createPlan();
    const monthly = plan.prices.find((price) => price.interval === 'month')!;
    await api(server).delete(`/v1/admin/plans/${plan.key}/prices/${monthly.id}`).set(asAdmin).expect(200);

    stripe.clearRequests();
    const readded = await api(server)
      .post(`/v1/admin/plans/${plan.key}/prices`)
      .set(asAdmin)
      .send({ interval: 'month', amount: monthly.amount, currency: 'usd' })
      .expect(201);
    expect(readded.body.stripePriceId).not.toBe(monthly.stripePriceId);
    expect(stripe.retrieve(readded.body.stripePriceId)).toMatchObject({ active: true, unit_amount: 1900 });
    expect(stripe.retrieve(monthly.stripePriceId)).toMatchObject({ active: false });
    const create = must(stripe.requests({ method: 'POST', path: '/v1/prices' })[0], 'a price request');
    expect(create.idempotentReplay).toBe(false);
  });

  it('makes one price when adding a price is retried after a timeout', async () => {
    const plan = await createPlan();
    const addYearly = () =>
      api(server)
        .post(`/v1/admin/plans/${plan.key}/prices`)
        .set(asAdmin)
        .send({ interval: 'year', amount: 29000, currency: 'usd' });
    stripe.clearRequests();
    // The price is created but both answers (first try and the client's own retry) are lost.
    stripe.hangNext({ method: 'POST', path: '/v1/prices', afterProcessing: true, times: 2 });
    expect((await addYearly().expect(503)).body.code).toBe('stripe_unavailable');

    const retried = await addYearly().expect(201);
    const creates = stripe.requests({ method: 'POST', path: '/v1/prices' });
    expect(new Set(creates.map((request) => request.idempotencyKey)).size).toBe(1);
    const prices = await stripe.createClient().prices.list({ product: plan.stripeProductId, limit: 100 });
    expect(prices.data.filter((price) => price.unit_amount === 29000)).toEqual([
      expect.objectContaining({ id: retried.body.stripePriceId }),
    ]);
  });

  it('updates plan details and archives a plan, in Stripe too', async () => {
    const plan = await createPlan();
    const updated = await api(server)
      .patch(`/v1/admin/plans/${plan.key}`)
      .set(asAdmin)
      .send({
        name: 'Pro+',
        features: [
          { key: 'reports', limit: null },
          { key: 'projects', limit: 50 },
        ],
      })
      .expect(200);
    expect(updated.body.features).toEqual([
      { key: 'projects', limit: 50 },
      { key: 'reports', limit: null },
    ]);
    expect(stripe.retrieve(plan.stripeProductId)).toMatchObject({ name: 'Pro+' });

    await api(server).delete(`/v1/admin/plans/${plan.key}`).set(asAdmin).expect(200);
    expect(stripe.retrieve(plan.stripeProductId)).toMatchObject({ active: false });
    const listed = await api(server).get('/v1/plans').expect(200);
    expect(listed.body.data.map((candidate: PlanBody) => candidate.key)).not.toContain(plan.key);
    await api(server).delete('/v1/admin/plans/free').set(asAdmin).expect(409);
  });

  it('keeps admin routes for admins: 401 without auth, 403 for a user', async () => {
    const user = await signUp(server.url);
    const body = proPlan(uniquePlanKey());
    await api(server).post('/v1/admin/plans').send(body).expect(401);
    const forbidden = await api(server).post('/v1/admin/plans').set(bearer(user)).send(body).expect(403);
    expect(forbidden.body.code).toBe('forbidden');
    await api(server).post('/v1/admin/catalog/sync').set(bearer(user)).expect(403);
    await api(server).get('/v1/admin/plans').set(bearer(user)).expect(403);
  });

  it('validates plans and prices with field errors', async () => {
    const bad = await api(server)
      .post('/v1/admin/plans')
      .set(asAdmin)
      .send({
        key: 'Not A Slug',
        name: '',
        features: [{ key: 'reports', limit: -1 }],
        prices: [
          { interval: 'week', amount: 0, currency: 'usdx' },
          { interval: 'month', amount: 1.5, currency: 'usd', credits: 10 },
          { interval: 'one_time', amount: 500, currency: 'usd' },
        ],
      })
      .expect(400);
    const fields = bad.body.errors.map((error: { field: string }) => error.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'key',
        'name',
        'features.0.limit',
        'prices.0.interval',
        'prices.0.amount',
        'prices.0.currency',
        'prices.1.amount',
        'prices.1.credits',
        'prices.2.credits',
      ]),
    );
    await api(server)
      .post(`/v1/admin/plans/nope/prices`)
      .set(asAdmin)
      .send({ interval: 'month', amount: 100, currency: 'eur' })
      .expect(404);
    const plan = await createPlan();
    const duplicate = await api(server)
      .post('/v1/admin/plans')
      .set(asAdmin)
      .send(proPlan(plan.key))
      .expect(409);
    expect(duplicate.body.code).toBe('plan_exists');
  });

  it('answers input the database cannot hold with 400, on admin routes too', async () => {
    const plan = await createPlan();
    for (const field of ['name', 'trialDays', 'active', 'features']) {
      const response = await api(server)
        .patch(`/v1/admin/plans/${plan.key}`)
        .set(asAdmin)
        .send({ [field]: null })
        .expect(400);
      expect(new Set(response.body.errors.map((error: { field: string }) => error.field))).toEqual(
        new Set([field]),
      );
    }
    const cleared = await api(server)
      .patch(`/v1/admin/plans/${plan.key}`)
      .set(asAdmin)
      .send({ description: null })
      .expect(200);
    expect(cleared.body).toMatchObject({ key: plan.key, description: null });

    for (const key of ['%00', 'abc%00def']) {
      const response = await api(server).get(`/v1/admin/plans/${key}`).set(asAdmin);
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('validation_failed');
    }
    await api(server).post('/v1/admin/webhook-events/x%00/replay').set(asAdmin).expect(400);

    const user = await signUp(server.url);
    for (const expiresAt of ['2099-W01', '2099-365', '20990101', '2099-01-01T00:00:00,5Z', '-2099-01-01']) {
      const response = await api(server)
        .post(`/v1/admin/users/${user.id}/grants`)
        .set(asAdmin)
        .send({ feature: 'reports', expiresAt })
        .expect(400);
      expect(response.body.errors[0].field).toBe('expiresAt');
    }
    await api(server)
      .post(`/v1/admin/users/${user.id}/grants`)
      .set(asAdmin)
      .send({ feature: 'reports', expiresAt: '2099-01-01T00:00:00.5+02:00' })
      .expect(201);
  });

  it('makes one product when a create is retried after a timeout', async () => {
    const key = uniquePlanKey('retry');
    // The product is created but both answers (first try and the client's own retry) are lost.
    stripe.hangNext({ method: 'POST', path: '/v1/products', afterProcessing: true, times: 2 });
    const failed = await api(server).post('/v1/admin/plans').set(asAdmin).send(proPlan(key)).expect(503);
    expect(failed.body.code).toBe('stripe_unavailable');

    await api(server).post('/v1/admin/plans').set(asAdmin).send(proPlan(key)).expect(201);
    const client = stripe.createClient();
    const products = await client.products.list({ limit: 100 });
    expect(products.data.filter((product) => product.metadata.tollgate_plan === key)).toHaveLength(1);
    const prices = await client.prices.list({ limit: 100 });
    expect(prices.data.filter((price) => price.metadata.tollgate_plan === key)).toHaveLength(3);
  });

  it('answers 503 stripe_unavailable in bounded time when Stripe fails, and stays healthy', async () => {
    stripe.failNext({ status: 500, times: 10 });
    const startedAt = Date.now();
    const failed = await api(server)
      .post('/v1/admin/plans')
      .set(asAdmin)
      .send(proPlan(uniquePlanKey()))
      .expect(503);
    expect(failed.body).toMatchObject({ code: 'stripe_unavailable', status: 503 });
    stripe.clearFaults();

    stripe.hangNext({ times: 10 });
    const hung = await api(server)
      .post('/v1/admin/plans')
      .set(asAdmin)
      .send(proPlan(uniquePlanKey()))
      .expect(503);
    expect(hung.body.code).toBe('stripe_unavailable');
    expect(Date.now() - startedAt).toBeLessThan(8_000);

    await api(server).get('/v1/plans').expect(200);
    await api(server).get('/health/ready').expect(200);
  });

  it("passes Stripe's own message on when Stripe rejects a request", async () => {
    stripe.failNext({
      status: 400,
      path: '/v1/products',
      error: {
        type: 'invalid_request_error',
        message: 'Product name is too silly.',
        code: 'parameter_invalid',
      },
    });
    const rejected = await api(server)
      .post('/v1/admin/plans')
      .set(asAdmin)
      .send(proPlan(uniquePlanKey()))
      .expect(400);
    expect(rejected.body).toMatchObject({ code: 'stripe_rejected', detail: 'Product name is too silly.' });
  });

  it('brings the catalog in step with changes made in the Stripe dashboard', async () => {
    const plan = await createPlan();
    const client = stripe.createClient();
    const yearly = plan.prices.find((price) => price.interval === 'year')!;
    await client.products.update(plan.stripeProductId, { name: 'Pro (renamed in Stripe)' });
    await client.prices.update(yearly.stripePriceId, { active: false });
    const added = await client.prices.create({
      product: plan.stripeProductId,
      unit_amount: 2500,
      currency: 'eur',
      recurring: { interval: 'month' },
    });

    const sync = await api(server).post('/v1/admin/catalog/sync').set(asAdmin).expect(201);
    expect(sync.body).toMatchObject({ plansUpdated: expect.any(Number), pricesImported: expect.any(Number) });

    const listed = await api(server).get('/v1/plans').expect(200);
    const synced = listed.body.data.find((candidate: PlanBody) => candidate.key === plan.key);
    expect(synced.name).toBe('Pro (renamed in Stripe)');
    const active = synced.prices.map((price: PlanBody['prices'][number]) => price.stripePriceId);
    expect(active).not.toContain(yearly.stripePriceId);
    expect(synced.prices).toContainEqual(
      expect.objectContaining({ stripePriceId: added.id, amount: 2500, currency: 'eur', interval: 'month' }),
    );

    const again = await api(server).post('/v1/admin/catalog/sync').set(asAdmin).expect(201);
    expect(again.body).toEqual({ plansUpdated: 0, pricesImported: 0, pricesUpdated: 0 });
  });
});

describe('catalog webhooks', () => {
  it('follows product.updated and price.* events from the Stripe dashboard', async () => {
    const stripe = await StripeDouble.start();
    const database = await isolatedDatabase();
    const admin = adminEnvironment();
    const server = await startTestServer({
      ...admin,
      DATABASE_URL: database.url,
      STRIPE_SECRET_KEY: StripeDouble.testSecretKey,
      STRIPE_API_BASE: stripe.url,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    });
    try {
      const asAdmin = await adminHeaders(server.url, admin);
      const created = await api(server)
        .post('/v1/admin/plans')
        .set(asAdmin)
        .send(proPlan(uniquePlanKey()))
        .expect(201);
      const plan: PlanBody = created.body;
      const client = stripe.createClient();
      await client.products.update(plan.stripeProductId, { name: 'Pro (dashboard)' });
      const monthly = plan.prices.find((price) => price.interval === 'month')!;
      await client.prices.update(monthly.stripePriceId, { active: false });
      const added = await client.prices.create({
        product: plan.stripeProductId,
        unit_amount: 990,
        currency: 'usd',
        recurring: { interval: 'month' },
      });
      const events = [
        ...stripe.events({ type: 'product.updated' }),
        ...stripe.events({ type: 'price.updated' }),
        ...stripe.events({ type: 'price.created' }).filter((event) => event.data.object.id === added.id),
      ];
      expect(events).toHaveLength(3);
      for (const event of events) {
        const { body, headers } = stripe.signedWebhook(event, WEBHOOK_SECRET);
        await api(server)
          .post('/v1/webhooks/stripe')
          .set(headers)
          .set('content-type', 'application/json')
          .send(body)
          .expect(200);
      }
      const listed = await api(server).get('/v1/plans').expect(200);
      const synced = listed.body.data.find((candidate: PlanBody) => candidate.key === plan.key);
      expect(synced.name).toBe('Pro (dashboard)');
      const monthlyPrices = synced.prices.filter(
        (price: PlanBody['prices'][number]) => price.interval === 'month',
      );
      expect(monthlyPrices).toEqual([expect.objectContaining({ stripePriceId: added.id, amount: 990 })]);
    } finally {
      await server.stop();
      await stripe.stop();
      await database.release();
    }
  });
});

describe('without Stripe keys', () => {
  it('answers 503 billing_not_configured for catalog writes and serves the rest', async () => {
    const admin = adminEnvironment();
    const server = await startTestServer({ ...admin });
    try {
      const asAdmin = await adminHeaders(server.url, admin);
      const response = await api(server)
        .post('/v1/admin/plans')
        .set(asAdmin)
        .send(proPlan(uniquePlanKey()))
        .expect(503);
      expect(response.body.code).toBe('billing_not_configured');
      const sync = await api(server).post('/v1/admin/catalog/sync').set(asAdmin).expect(503);
      expect(sync.body.code).toBe('billing_not_configured');
      await api(server).get('/v1/plans').expect(200);
    } finally {
      await server.stop();
    }
  });
});
