import { Client } from 'pg';

import { bearer, signUp, TestAccount } from '../support/accounts';
import { uniquePlanKey } from '../support/admin';
import {
  adminUser,
  createPlan,
  DAY_MS,
  deliverAll,
  eventually,
  me,
  paidPlan,
  PlanBody,
  priceOf,
  subscribe,
  subscriptionOf,
  SubscriptionSummary,
} from '../support/billing';
import { startBillingWorld, BillingWorld } from '../support/billing-world';
import { msUntil } from '../support/eventually';
import { must } from '../support/must';
import { proPlanBody } from '../support/plan-bodies';
import { api, TestServer } from '../support/test-app';
import { CustomerObject, StripeDouble, SubscriptionObject } from '../stripe-double';

const TRIAL_DAYS = 14;
const DAY_SECONDS = 86_400;
const PROBLEM = /^application\/problem\+json/;

describe('billing: trials without a card', () => {
  let world: BillingWorld;
  let stripe: StripeDouble;
  let server: TestServer;
  let asAdmin: Record<string, string>;

  beforeAll(async () => {
    world = await startBillingWorld();
    ({ stripe, server, asAdmin } = world);
  });
  afterEach(() => {
    stripe.clearFaults();
    stripe.clock.reset();
  });
  afterAll(() => world?.stop());

  /** The Pro plan with a 14-day trial that needs no card. */
  function trialPlanBody(overrides: object = {}) {
    return {
      ...proPlanBody(uniquePlanKey('trial')),
      trialDays: TRIAL_DAYS,
      trialWithoutCard: true,
      ...overrides,
    };
  }

  function startTrial(user: TestAccount, plan: string, headers: Record<string, string> = {}) {
    return api(server)
      .post('/v1/billing/trial')
      .set({ ...bearer(user), ...headers })
      .send({ plan });
  }

  function reports(user: TestAccount, headers: Record<string, string> = {}) {
    return api(server)
      .get('/v1/reports/summary')
      .set({ ...bearer(user), ...headers });
  }

  function stripeSubscription(id: string): SubscriptionObject {
    return must(stripe.retrieve<SubscriptionObject>(id), `the double's ${id}`);
  }

  /** The Stripe subscriptions the app created through `POST /v1/subscriptions` since the last clear. */
  function subscriptionCreates() {
    return stripe
      .requests({ method: 'POST', path: '/v1/subscriptions' })
      .filter((request) => request.status === 200);
  }

  async function sql(text: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
    const client = new Client({ connectionString: world.database.url });
    await client.connect();
    try {
      return (await client.query(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  /** The account's Stripe subscription id, as the app stored it. */
  async function stripeSubscriptionIdOf(accountId: string): Promise<string> {
    const [row] = await sql(
      `SELECT stripe_subscription_id FROM subscriptions WHERE account_id = $1 ORDER BY stripe_created_at DESC LIMIT 1`,
      [accountId],
    );
    return must(row, 'a subscription row').stripe_subscription_id as string;
  }

  it('lets an admin offer a plan without a card; a user starts its trial and has the paid features at once', async () => {
    const plan = await createPlan(server, asAdmin, trialPlanBody());
    expect(plan).toMatchObject({ trialDays: TRIAL_DAYS, trialWithoutCard: true });
    const listed = (await api(server).get('/v1/plans').expect(200)).body.data as { key: string }[];
    expect(listed.find((candidate) => candidate.key === plan.key)).toMatchObject({ trialWithoutCard: true });
    const monthly = priceOf(plan, 'month');

    const user = await signUp(server.url, 'trial');
    const accountId = (await me(server, user)).account.id;
    expect((await reports(user)).status).toBe(402);

    stripe.clearRequests();
    const started = await startTrial(user, plan.key).expect(201);
    const summary = started.body as SubscriptionSummary;
    expect(summary).toMatchObject({
      status: 'trialing',
      plan: plan.key,
      priceId: monthly.id,
      cancelAtPeriodEnd: false,
      graceUntil: null,
    });
    const expectedTrialEnd = Date.now() + TRIAL_DAYS * DAY_MS;
    expect(Math.abs(Date.parse(must(summary.trialEnd, 'trialEnd')) - expectedTrialEnd)).toBeLessThan(60_000);
    // Access starts with the answer, before any webhook.
    await reports(user).expect(200);

    const [create] = subscriptionCreates();
    expect(must(create, 'a subscription create').body).toEqual({
      customer: expect.stringMatching(/^cus_/),
      items: [{ price: monthly.stripePriceId, quantity: '1' }],
      trial_period_days: String(TRIAL_DAYS),
      payment_settings: { save_default_payment_method: 'on_subscription' },
      trial_settings: { end_behavior: { missing_payment_method: 'cancel' } },
      metadata: { accountId, userId: user.id, priceId: monthly.id, trial: 'without_card' },
    });
    expect(create!.idempotencyKey).toMatch(/^tollgate-trial-/);

    const remote = stripeSubscription(await stripeSubscriptionIdOf(accountId));
    expect(remote).toMatchObject({
      status: 'trialing',
      default_payment_method: null,
      trial_settings: { end_behavior: { missing_payment_method: 'cancel' } },
      payment_settings: { save_default_payment_method: 'on_subscription' },
    });
    const customer = must(stripe.retrieve<CustomerObject>(remote.customer), 'the customer');
    expect(customer.invoice_settings.default_payment_method).toBeNull();
    expect(stripe.requests({ path: /^\/v1\/(charges|payment_intents)/ })).toHaveLength(0);

    const again = await startTrial(user, plan.key).expect(409);
    expect(again.headers['content-type']).toMatch(PROBLEM);
    expect(again.body).toMatchObject({ status: 409, code: 'trial_used' });
    expect(subscriptionCreates()).toHaveLength(1);
  });

  it('cancels a trial that ends without a card: access ends within 1 s of the webhook, and the trial stays used', async () => {
    const plan = await createPlan(server, asAdmin, trialPlanBody());
    const user = await signUp(server.url, 'trial-ends');
    const accountId = (await me(server, user)).account.id;
    await startTrial(user, plan.key).expect(201);
    const subscriptionId = await stripeSubscriptionIdOf(accountId);
    const trialEnd = must(stripeSubscription(subscriptionId).trial_end, 'trial_end');

    // Stripe's notice, three days before the end.
    const { customer } = stripeSubscription(subscriptionId);
    const notice = stripe.scenarios.advanceClock((TRIAL_DAYS - 2) * DAY_SECONDS, { customer });
    expect(notice.events.map((event) => event.type)).toEqual(['customer.subscription.trial_will_end']);
    await deliverAll(server, stripe, notice.events);
    await eventually(async () =>
      expect((await adminUser(server, asAdmin, user.id)).billingEvents).toContainEqual(
        expect.objectContaining({ kind: 'subscription.trial_will_end' }),
      ),
    );
    await reports(user).expect(200);

    // The trial ends with no payment method: Stripe cancels the subscription.
    const ended = stripe.scenarios.advanceClock(3 * DAY_SECONDS, { customer });
    const deleted = ended.event('customer.subscription.deleted');
    expect(deleted.created).toBe(trialEnd);
    expect(stripeSubscription(subscriptionId)).toMatchObject({ status: 'canceled', ended_at: trialEnd });

    const sentAt = Date.now();
    await deliverAll(server, stripe, ended.events);
    await msUntil(402, () => reports(user));
    expect(Date.now() - sentAt).toBeLessThanOrEqual(1_000);
    expect(await subscriptionOf(server, user)).toMatchObject({ status: 'canceled', plan: plan.key });

    // Once per account and plan: not again after the first one was canceled.
    expect((await startTrial(user, plan.key).expect(409)).body.code).toBe('trial_used');
  });

  it('keeps a trial whose account added a card: active at its end, with the first invoice paid', async () => {
    const plan = await createPlan(server, asAdmin, trialPlanBody());
    const user = await signUp(server.url, 'trial-card');
    const accountId = (await me(server, user)).account.id;
    await startTrial(user, plan.key).expect(201);
    const subscriptionId = await stripeSubscriptionIdOf(accountId);
    // The customer saves a card during the trial (a hosted page or the portal).
    await stripe
      .createClient()
      .subscriptions.update(subscriptionId, { default_payment_method: 'pm_card_visa' });

    const ended = stripe.scenarios.advanceClock(TRIAL_DAYS * DAY_SECONDS + 60, {
      customer: stripeSubscription(subscriptionId).customer,
    });
    expect(ended.events.map((event) => event.type)).not.toContain('customer.subscription.deleted');
    await deliverAll(server, stripe, ended.events);
    await eventually(async () =>
      expect(await subscriptionOf(server, user)).toMatchObject({ status: 'active', plan: plan.key }),
    );
    await reports(user).expect(200);
  });

  it('starts one trial of two concurrent requests: one 201, one 409 trial_used', async () => {
    const plan = await createPlan(server, asAdmin, trialPlanBody());
    const user = await signUp(server.url, 'trial-race');
    stripe.clearRequests();

    const answers = await Promise.all([startTrial(user, plan.key), startTrial(user, plan.key)]);

    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 409]);
    expect(answers.find((answer) => answer.status === 409)?.body.code).toBe('trial_used');
    expect(subscriptionCreates()).toHaveLength(1);
    await reports(user).expect(200);
  });

  it('refuses with 400 a plan without the flag, an unknown or archived plan and a malformed body, and makes nothing', async () => {
    const withoutFlag = await createPlan(server, asAdmin, paidPlan());
    const archived = await createPlan(server, asAdmin, trialPlanBody());
    await api(server).delete(`/v1/admin/plans/${archived.key}`).set(asAdmin).expect(200);
    const user = await signUp(server.url, 'trial-refused');
    stripe.clearRequests();

    for (const plan of [withoutFlag.key, archived.key, 'no-such-plan']) {
      const refused = await startTrial(user, plan).expect(400);
      expect(refused.headers['content-type']).toMatch(PROBLEM);
      expect(refused.body).toMatchObject({ code: 'validation_failed', errors: [{ field: 'plan' }] });
    }
    for (const body of [{}, { plan: 'Not A Key' }, { plan: 42 }, { plan: 'x'.repeat(65) }]) {
      const refused = await api(server).post('/v1/billing/trial').set(bearer(user)).send(body).expect(400);
      expect(refused.body.code).toBe('validation_failed');
    }
    expect(stripe.requests({ method: 'POST' })).toHaveLength(0);
    // The refusals used nothing up.
    await api(server)
      .patch(`/v1/admin/plans/${withoutFlag.key}`)
      .set(asAdmin)
      .send({ trialDays: 7, trialWithoutCard: true })
      .expect(200);
    await startTrial(user, withoutFlag.key).expect(201);
  });

  it('answers 409 already_subscribed to a subscriber, and the trial is still there once the subscription ends', async () => {
    const paid = await createPlan(server, asAdmin, paidPlan());
    const plan = await createPlan(server, asAdmin, trialPlanBody());
    const user = await signUp(server.url, 'trial-subscriber');
    const { subscriptionId } = await subscribe({ server, stripe }, user, priceOf(paid, 'month'));

    const refused = await startTrial(user, plan.key).expect(409);
    expect(refused.body.code).toBe('already_subscribed');

    const ended = stripe.scenarios.deleteSubscription(subscriptionId);
    await deliverAll(server, stripe, ended.events);
    await eventually(async () =>
      expect(await subscriptionOf(server, user)).toMatchObject({ status: 'canceled' }),
    );
    await startTrial(user, plan.key).expect(201);
  });

  it('gives the claim back when Stripe fails, and a retry after a lost answer gets the same subscription', async () => {
    const plan = await createPlan(server, asAdmin, trialPlanBody());
    const user = await signUp(server.url, 'trial-stripe-down');
    const accountId = (await me(server, user)).account.id;
    const creates = { method: 'POST', path: '/v1/subscriptions' } as const;

    stripe.failNext({ status: 500, ...creates, times: 10 });
    expect((await startTrial(user, plan.key).expect(503)).body.code).toBe('stripe_unavailable');
    stripe.clearFaults();

    // Stripe makes the subscription but the answer never arrives.
    stripe.dropNext({ afterProcessing: true, ...creates, times: 10 });
    expect((await startTrial(user, plan.key).expect(503)).body.code).toBe('stripe_unavailable');
    stripe.clearFaults();
    const made = stripe.requests(creates).filter((request) => request.fault === 'drop');
    const [first] = made;
    expect(must(first, 'a processed create').idempotencyKey).toBe(
      `tollgate-trial-${accountId}-${await planId(plan)}`,
    );

    await startTrial(user, plan.key).expect(201);
    const customer = must(
      (await sql('SELECT stripe_customer_id FROM accounts WHERE id = $1', [accountId]))[0],
      'the account',
    ).stripe_customer_id as string;
    const atStripe = (await stripe.createClient().subscriptions.list({ customer, status: 'all' })).data;
    expect(atStripe).toHaveLength(1);
    expect(await stripeSubscriptionIdOf(accountId)).toBe(atStripe[0]!.id);
  });

  it("lets only a team's owners and admins start its trial, one seat per member, for every member", async () => {
    const plan = await createPlan(
      server,
      asAdmin,
      trialPlanBody({ prices: [{ interval: 'month', amount: 900, currency: 'usd', perSeat: true }] }),
    );
    const [owner, member] = await Promise.all([signUp(server.url, 'owner'), signUp(server.url, 'member')]);
    const team = (
      await api(server).post('/v1/accounts').set(bearer(owner)).send({ name: 'Engines' }).expect(201)
    ).body as { id: string };
    await sql(
      `WITH added AS (INSERT INTO memberships (account_id, user_id, role) VALUES ($1, $2, 'member') RETURNING user_id)
       SELECT pg_notify('tollgate_changes', json_build_object('kind', 'identity', 'userId', user_id)::text) FROM added`,
      [team.id, member.id],
    );
    const forTeam = { 'x-account-id': team.id };
    await eventually(async () =>
      expect(
        (
          await api(server)
            .get('/v1/me')
            .set({ ...bearer(member), ...forTeam })
        ).status,
      ).toBe(200),
    );

    const forbidden = await startTrial(member, plan.key, forTeam).expect(403);
    expect(forbidden.body.code).toBe('billing_role_required');

    stripe.clearRequests();
    await startTrial(owner, plan.key, forTeam).expect(201);
    expect(must(subscriptionCreates()[0], 'a create').body.items).toEqual([
      { price: priceOf(plan, 'month').stripePriceId, quantity: '2' },
    ]);
    await eventually(async () => expect((await reports(member, forTeam)).status).toBe(200));
    // The owner's personal account is another account, with its own trial still to take.
    expect((await reports(owner)).status).toBe(402);
  });

  it('accepts trialWithoutCard on the admin routes only with trial days', async () => {
    stripe.clearRequests();
    const noDays = await api(server)
      .post('/v1/admin/plans')
      .set(asAdmin)
      .send(trialPlanBody({ trialDays: 0 }))
      .expect(400);
    expect(noDays.body).toMatchObject({ code: 'validation_failed', errors: [{ field: 'trialWithoutCard' }] });
    for (const trialWithoutCard of ['yes', null, 1]) {
      const refused = await api(server)
        .post('/v1/admin/plans')
        .set(asAdmin)
        .send(trialPlanBody({ trialWithoutCard }))
        .expect(400);
      expect(refused.body.code).toBe('validation_failed');
    }
    expect(stripe.requests({ method: 'POST' })).toHaveLength(0);

    const plan = await createPlan(server, asAdmin, trialPlanBody());
    const patch = (body: object) => api(server).patch(`/v1/admin/plans/${plan.key}`).set(asAdmin).send(body);
    expect((await patch({ trialDays: 0 }).expect(400)).body.errors).toEqual([
      expect.objectContaining({ field: 'trialWithoutCard' }),
    ]);
    expect((await patch({ trialWithoutCard: false, trialDays: 0 }).expect(200)).body).toMatchObject({
      trialWithoutCard: false,
      trialDays: 0,
    });
    await patch({ trialWithoutCard: true }).expect(400);
    expect((await patch({ trialWithoutCard: true, trialDays: 3 }).expect(200)).body).toMatchObject({
      trialWithoutCard: true,
      trialDays: 3,
    });
    // Kept by the service, not mirrored on the Stripe product.
    expect(stripe.requests({ method: 'POST', path: '/v1/products/:id' })).toHaveLength(0);
    expect(
      (await api(server).get(`/v1/admin/plans/${plan.key}`).set(asAdmin).expect(200)).body,
    ).toMatchObject({
      trialWithoutCard: true,
    });
  });

  async function planId(plan: PlanBody): Promise<string> {
    const [row] = await sql('SELECT id FROM plans WHERE key = $1', [plan.key]);
    return must(row, 'the plan').id as string;
  }
});
