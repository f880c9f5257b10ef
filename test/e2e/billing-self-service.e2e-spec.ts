import { randomUUID } from 'node:crypto';
import { Client } from 'pg';

import { bearer, signUp, TestAccount } from '../support/accounts';
import { uniquePlanKey } from '../support/admin';
import {
  createPlan,
  creditPackPlan,
  deliverAll,
  eventually,
  features,
  FREE_FEATURES,
  PAID_FEATURES,
  paidPlan,
  PlanBody,
  priceOf,
  PriceBody,
  subscribe,
  SubscriptionSummary,
} from '../support/billing';
import { startBillingWorld, BillingWorld } from '../support/billing-world';
import { msUntil } from '../support/eventually';
import { must } from '../support/must';
import { api, TestServer } from '../support/test-app';
import { StripeDouble, SubscriptionObject } from '../stripe-double';

const PROBLEM = /^application\/problem\+json/;
const REPORTS = '/v1/reports/summary';

interface Preview {
  amountDue: number;
  currency: string;
  lines: { description: string; amount: number; proration: boolean }[];
}

type Headers = Record<string, string>;

describe('self-service billing: cancel, resume, preview and change', () => {
  let world: BillingWorld;
  let stripe: StripeDouble;
  let server: TestServer;
  let asAdmin: Headers;
  let pro: PlanBody;
  let team: PlanBody;

  beforeAll(async () => {
    world = await startBillingWorld();
    ({ stripe, server, asAdmin } = world);
    pro = await createPlan(server, asAdmin);
    // Team costs more than Pro ($49 against $19 a month): a swap to it is an upgrade.
    team = await createPlan(server, asAdmin, {
      ...paidPlan(uniquePlanKey('team')),
      name: 'Team',
      prices: [
        { interval: 'month', amount: 4900, currency: 'usd' },
        { interval: 'year', amount: 49000, currency: 'usd' },
      ],
    });
  });
  afterEach(() => stripe.clearFaults());
  afterAll(() => world?.stop());

  function post(path: string, headers: Headers, body: object = {}) {
    return api(server).post(`/v1/billing/subscription/${path}`).set(headers).send(body);
  }

  function expectProblem(
    response: { status: number; headers: Record<string, string>; body: { code?: string } },
    status: number,
    code: string,
  ) {
    expect({ status: response.status, code: response.body.code }).toEqual({ status, code });
    expect(response.headers['content-type']).toMatch(PROBLEM);
  }

  function stripeSubscription(id: string): SubscriptionObject {
    return must(stripe.retrieve<SubscriptionObject>(id), `the double's ${id}`);
  }

  function stripeItem(id: string) {
    return must(stripeSubscription(id).items.data[0], 'a subscription item');
  }

  async function summary(headers: Headers): Promise<SubscriptionSummary> {
    return (await api(server).get('/v1/billing/subscription').set(headers).expect(200))
      .body as SubscriptionSummary;
  }

  async function entitlements(headers: Headers) {
    return features((await api(server).get('/v1/me').set(headers).expect(200)).body.entitlements);
  }

  function reportsStatus(headers: Headers): Promise<number> {
    return api(server)
      .get(REPORTS)
      .set(headers)
      .then((response) => response.status);
  }

  /** Stripe's own events about the subscription since `since`, delivered as webhooks. */
  async function deliverEventsOf(subscriptionId: string, since: number): Promise<void> {
    const events = stripe
      .events()
      .slice(since)
      .filter((event) => (event.data.object as { id?: string }).id === subscriptionId);
    await deliverAll(server, stripe, events);
  }

  async function subscriber(label: string, price: PriceBody = priceOf(pro, 'month')) {
    const user = await signUp(server.url, label);
    const { subscriptionId } = await subscribe({ server, stripe }, user, price);
    return { user, headers: bearer(user), subscriptionId };
  }

  async function sql(text: string, values: unknown[]): Promise<void> {
    const client = new Client({ connectionString: world.database.url });
    await client.connect();
    try {
      await client.query(text, values);
    } finally {
      await client.end();
    }
  }

  /** A team owned by a new user with an admin and a member, subscribed by its owner to `price`. */
  async function subscribedTeam(price: PriceBody) {
    const [owner, admin, member] = await Promise.all([
      signUp(server.url, 'team-owner'),
      signUp(server.url, 'team-admin'),
      signUp(server.url, 'team-member'),
    ]);
    const account = (
      await api(server).post('/v1/accounts').set(bearer(owner)).send({ name: 'Rotors' }).expect(201)
    ).body as { id: string };
    // Made members the way accounts.e2e-spec does: in the database, announced like every membership change.
    for (const [user, role] of [
      [admin, 'admin'],
      [member, 'member'],
    ] as const) {
      await sql(
        `WITH added AS (INSERT INTO memberships (account_id, user_id, role) VALUES ($1, $2, $3::"AccountRole") RETURNING user_id)
         SELECT pg_notify('tollgate_changes', json_build_object('kind', 'identity', 'userId', user_id)::text) FROM added`,
        [account.id, user.id, role],
      );
    }
    const as = (user: TestAccount): Headers => ({ ...bearer(user), 'x-account-id': account.id });
    await eventually(async () => {
      await api(server).get('/v1/me').set(as(member)).expect(200);
      await api(server).get('/v1/me').set(as(admin)).expect(200);
    });
    const session = (
      await api(server).post('/v1/billing/checkout').set(as(owner)).send({ priceId: price.id }).expect(201)
    ).body as { id: string };
    const completion = stripe.scenarios.completeCheckoutSession(session.id, { subscriptionStatus: 'active' });
    await deliverAll(server, stripe, completion.events);
    await eventually(async () => expect(await summary(as(owner))).toMatchObject({ status: 'active' }));
    return {
      account,
      owner: as(owner),
      admin: as(admin),
      member: as(member),
      subscriptionId: must(completion.subscription, 'a subscription').id,
    };
  }

  it('cancels at period end: access stays until the period ends, resume takes it back', async () => {
    const { headers, subscriptionId } = await subscriber('cancel-later');
    const periodEnd = new Date(stripeItem(subscriptionId).current_period_end * 1000).toISOString();
    const since = stripe.events().length;
    stripe.clearRequests();

    const canceled = await post('cancel', headers).expect(200);
    expect(canceled.body).toMatchObject({
      status: 'active',
      plan: pro.key,
      cancelAtPeriodEnd: true,
      currentPeriodEnd: periodEnd,
    });
    expect(stripeSubscription(subscriptionId)).toMatchObject({
      status: 'active',
      cancel_at_period_end: true,
    });
    const update = must(stripe.lastRequest({ method: 'POST', path: '/v1/subscriptions/:id' }), 'an update');
    expect(update.body).toEqual({ cancel_at_period_end: 'true' });
    expect(update.idempotencyKey).toBeDefined();
    expect(await entitlements(headers)).toEqual(PAID_FEATURES);
    expect(await reportsStatus(headers)).toBe(200);
    // Stripe's webhook about it agrees.
    await deliverEventsOf(subscriptionId, since);
    expect(await summary(headers)).toMatchObject({ status: 'active', cancelAtPeriodEnd: true });

    const resumed = await post('resume', headers).expect(200);
    expect(resumed.body).toMatchObject({ status: 'active', cancelAtPeriodEnd: false, pausedAt: null });
    expect(stripeSubscription(subscriptionId).cancel_at_period_end).toBe(false);
    expectProblem(await post('resume', headers), 409, 'not_resumable');

    // Canceled again, it ends with the period: back on the free plan.
    await post('cancel', headers, { atPeriodEnd: true }).expect(200);
    const ended = stripe.scenarios.renewSubscription(subscriptionId);
    expect(ended.events.map((event) => event.type)).toEqual(['customer.subscription.deleted']);
    await deliverAll(server, stripe, ended.events);
    await eventually(async () => expect(await summary(headers)).toMatchObject({ status: 'canceled' }));
    expect(await entitlements(headers)).toEqual(FREE_FEATURES);
    expectProblem(await post('resume', headers), 404, 'no_subscription');
  });

  it('cancels now: a paid feature answers 402 within a second, Stripe deletes the subscription', async () => {
    const { headers, subscriptionId } = await subscriber('cancel-now');
    expect(await reportsStatus(headers)).toBe(200);
    stripe.clearRequests();

    const started = Date.now();
    const canceled = await post('cancel', headers, { atPeriodEnd: false }).expect(200);
    expect(canceled.body).toMatchObject({ status: 'canceled', plan: pro.key });
    expect(await msUntil(402, () => api(server).get(REPORTS).set(headers))).toBeLessThan(1_000);
    expect(Date.now() - started).toBeLessThan(5_000);
    const denied = await api(server).get(REPORTS).set(headers).expect(402);
    expect(denied.body).toMatchObject({ code: 'subscription_required' });

    expect(stripeSubscription(subscriptionId).status).toBe('canceled');
    const cancel = must(stripe.lastRequest({ method: 'DELETE', path: '/v1/subscriptions/:id' }), 'a cancel');
    expect(cancel.idempotencyKey).toBeDefined();
    const deleted = must(
      stripe
        .events({ type: 'customer.subscription.deleted' })
        .find((event) => event.data.object.id === subscriptionId),
      'customer.subscription.deleted',
    );
    expect(deleted.request.id).toBe(cancel.requestId);
    await deliverAll(server, stripe, [deleted]);
    expect(await summary(headers)).toMatchObject({ status: 'canceled' });

    expectProblem(await post('cancel', headers, { atPeriodEnd: false }), 404, 'no_subscription');
  });

  it('answers 404 no_subscription without a live subscription, 400 to a malformed body', async () => {
    const user = await signUp(server.url, 'never-subscribed');
    stripe.clearRequests();
    for (const [path, body] of [
      ['cancel', {}],
      ['cancel', { atPeriodEnd: false }],
      ['resume', {}],
      ['preview', { priceId: priceOf(team, 'month').id }],
      ['change', { priceId: priceOf(team, 'month').id }],
    ] as const) {
      expectProblem(await post(path, bearer(user), body), 404, 'no_subscription');
    }
    for (const body of [{ atPeriodEnd: 'yes' }, { atPeriodEnd: true, when: 'now' }]) {
      expectProblem(await post('cancel', bearer(user), body), 400, 'validation_failed');
    }
    expect(stripe.requests()).toHaveLength(0);
  });

  it("leaves a team's billing to its owners and admins: a member gets 403 billing_role_required", async () => {
    const { owner, admin, member, subscriptionId } = await subscribedTeam(priceOf(pro, 'month'));
    stripe.clearRequests();
    for (const [path, body] of [
      ['cancel', {}],
      ['cancel', { atPeriodEnd: false }],
      ['resume', {}],
      ['preview', { priceId: priceOf(team, 'month').id }],
      ['change', { priceId: priceOf(team, 'month').id }],
    ] as const) {
      expectProblem(await post(path, member, body), 403, 'billing_role_required');
    }
    expect(stripe.requests()).toHaveLength(0);
    // The member still reads the subscription and uses what the team bought.
    expect(await summary(member)).toMatchObject({ status: 'active', plan: pro.key });
    expect(await reportsStatus(member)).toBe(200);

    const preview = await post('preview', admin, { priceId: priceOf(team, 'month').id }).expect(200);
    expect((preview.body as Preview).amountDue).toBeGreaterThan(0);
    await post('cancel', admin).expect(200);
    expect(stripeSubscription(subscriptionId).cancel_at_period_end).toBe(true);
    await post('resume', owner).expect(200);
    expect(stripeSubscription(subscriptionId).cancel_at_period_end).toBe(false);
  });

  it('previews an upgrade: a positive amount due with its proration lines, and changes nothing', async () => {
    const { headers, subscriptionId } = await subscriber('preview');
    const item = stripeItem(subscriptionId);
    const target = priceOf(team, 'month');
    const eventsBefore = stripe.events().length;
    stripe.clearRequests();

    const response = await post('preview', headers, { priceId: target.id }).expect(200);
    expect(response.headers['cache-control']).toMatch(/no-store/);
    const preview = response.body as Preview;
    expect(preview.currency).toBe('usd');
    const prorations = preview.lines.filter((line) => line.proration);
    expect(prorations).toHaveLength(2);
    const [credit, charge] = prorations;
    expect(credit!.amount).toBeLessThan(0);
    expect(credit!.amount).toBeGreaterThanOrEqual(-1900);
    expect(credit!.description).toMatch(/^Unused time on 1 × Pro/);
    expect(charge!.amount).toBeGreaterThan(0);
    expect(charge!.amount).toBeLessThanOrEqual(4900);
    expect(charge!.description).toMatch(/^Remaining time on 1 × Team/);
    expect(preview.lines.filter((line) => !line.proration)).toEqual([
      { description: '1 × Team (at $49.00 / month)', amount: 4900, proration: false },
    ]);
    expect(preview.amountDue).toBe(preview.lines.reduce((sum, line) => sum + line.amount, 0));
    expect(preview.amountDue).toBeGreaterThan(4900);

    const request = must(stripe.lastRequest({ path: '/v1/invoices/create_preview' }), 'a preview request');
    expect(request.body).toMatchObject({
      customer: stripeSubscription(subscriptionId).customer,
      subscription: subscriptionId,
      subscription_details: {
        items: [{ id: item.id, price: target.stripePriceId, quantity: '1' }],
        proration_behavior: 'create_prorations',
      },
    });
    expect(stripe.requests({ method: 'POST', path: '/v1/subscriptions/:id' })).toHaveLength(0);
    expect(stripe.events()).toHaveLength(eventsBefore);
    expect(stripeItem(subscriptionId).price.id).toBe(priceOf(pro, 'month').stripePriceId);
    expect(await summary(headers)).toMatchObject({ plan: pro.key, priceId: priceOf(pro, 'month').id });
  });

  it('refuses a preview of an unknown, archived or one-time price, and a quantity it cannot take: 400', async () => {
    const { headers } = await subscriber('preview-refused');
    const pack = await createPlan(server, asAdmin, creditPackPlan());
    const retiring = await createPlan(server, asAdmin, paidPlan(uniquePlanKey('retiring')));
    const archived = priceOf(retiring, 'month');
    await api(server)
      .delete(`/v1/admin/plans/${retiring.key}/prices/${archived.id}`)
      .set(asAdmin)
      .expect(200);
    stripe.clearRequests();

    const refused = async (body: object, field: string) => {
      const response = await post('preview', headers, body);
      expectProblem(response, 400, 'validation_failed');
      const errors = (response.body as { errors: { field: string }[] }).errors;
      expect(errors.length).toBeGreaterThan(0);
      expect(new Set(errors.map((error) => error.field))).toEqual(new Set([field]));
    };
    await refused({ priceId: randomUUID() }, 'priceId');
    await refused({ priceId: 'price_not_ours' }, 'priceId');
    await refused({ priceId: archived.id }, 'priceId');
    await refused({ priceId: priceOf(pack, 'one_time').id }, 'priceId');
    await refused({}, 'priceId');
    for (const quantity of [0, -1, 1.5, 10_001, '2']) {
      await refused({ priceId: priceOf(team, 'month').id, quantity }, 'quantity');
    }
    // Quantity is for per-seat prices.
    await refused({ priceId: priceOf(team, 'month').id, quantity: 2 }, 'quantity');
    expect(stripe.requests({ path: '/v1/invoices/create_preview' })).toHaveLength(0);
  });

  it('changes back and forth (pro → team → pro → team), each change taking effect at Stripe', async () => {
    const { headers, subscriptionId } = await subscriber('back-and-forth');
    const since = stripe.events().length;
    stripe.clearRequests();

    for (const plan of [team, pro, team]) {
      const target = priceOf(plan, 'month');
      const changed = await post('change', headers, { priceId: target.id }).expect(200);
      expect(changed.body).toMatchObject({
        status: 'active',
        plan: plan.key,
        priceId: target.id,
        quantity: 1,
      });
      expect(stripeItem(subscriptionId)).toMatchObject({
        price: { id: target.stripePriceId },
        quantity: 1,
      });
      expect(await summary(headers)).toMatchObject({ plan: plan.key, priceId: target.id });
    }
    const updates = stripe.requests({ method: 'POST', path: '/v1/subscriptions/:id' });
    expect(updates).toHaveLength(3);
    expect(new Set(updates.map((update) => update.idempotencyKey)).size).toBe(3);
    expect(updates.some((update) => update.idempotentReplay)).toBe(false);

    // The same price and quantity again: nothing to change.
    expectProblem(await post('change', headers, { priceId: priceOf(team, 'month').id }), 409, 'conflict');
    expect(stripe.requests({ method: 'POST', path: '/v1/subscriptions/:id' })).toHaveLength(3);

    // Stripe's webhooks, delivered late and all at once, leave the last change standing.
    await deliverEventsOf(subscriptionId, since);
    expect(await summary(headers)).toMatchObject({ plan: team.key, priceId: priceOf(team, 'month').id });
  });

  it('decides a change against Stripe, not a copy left behind by a webhook not yet arrived', async () => {
    const { headers, subscriptionId } = await subscriber('behind');
    const monthly = priceOf(pro, 'month');
    // Swapped to Team in Stripe (the portal, say); its webhook has not arrived, so our copy says Pro.
    await stripe.createClient().subscriptions.update(subscriptionId, {
      items: [{ id: stripeItem(subscriptionId).id, price: priceOf(team, 'month').stripePriceId }],
    });
    expect(await summary(headers)).toMatchObject({ plan: pro.key });

    const back = await post('change', headers, { priceId: monthly.id }).expect(200);
    expect(back.body).toMatchObject({ plan: pro.key, priceId: monthly.id });
    expect(stripeItem(subscriptionId).price.id).toBe(monthly.stripePriceId);
  });

  it('changes a quantity; a per-seat price takes the member count, and its preview may ask for more seats', async () => {
    const { headers, subscriptionId } = await subscriber('quantity');
    const monthly = priceOf(pro, 'month');

    const three = await post('change', headers, { priceId: monthly.id, quantity: 3 }).expect(200);
    expect(three.body).toMatchObject({ plan: pro.key, priceId: monthly.id, quantity: 3 });
    expect(stripeItem(subscriptionId)).toMatchObject({ price: { id: monthly.stripePriceId }, quantity: 3 });
    expectProblem(await post('change', headers, { priceId: monthly.id, quantity: 3 }), 409, 'conflict');
    // Another price keeps the quantity unless told otherwise.
    await post('change', headers, { priceId: priceOf(team, 'month').id }).expect(200);
    expect(stripeItem(subscriptionId).quantity).toBe(3);
    await post('change', headers, { priceId: monthly.id, quantity: 1 }).expect(200);
    expect(stripeItem(subscriptionId)).toMatchObject({ price: { id: monthly.stripePriceId }, quantity: 1 });

    const seats = await createPlan(server, asAdmin, {
      ...paidPlan(uniquePlanKey('seats')),
      name: 'Seats',
      prices: [{ interval: 'month', amount: 1000, currency: 'usd', perSeat: true }],
    });
    const perSeat = priceOf(seats, 'month');
    const { owner, subscriptionId: teamSubscriptionId } = await subscribedTeam(monthly);
    expectProblem(
      await post('change', owner, { priceId: perSeat.id, quantity: 5 }),
      400,
      'validation_failed',
    );

    const preview = (await post('preview', owner, { priceId: perSeat.id }).expect(200)).body as Preview;
    expect(preview.lines.at(-1)).toEqual({
      description: '3 × Seats (at $10.00 / month)',
      amount: 3000,
      proration: false,
    });
    const more = (await post('preview', owner, { priceId: perSeat.id, quantity: 5 }).expect(200))
      .body as Preview;
    expect(more.lines.at(-1)).toMatchObject({ description: '5 × Seats (at $10.00 / month)', amount: 5000 });

    const changed = await post('change', owner, { priceId: perSeat.id }).expect(200);
    expect(changed.body).toMatchObject({ plan: seats.key, priceId: perSeat.id, quantity: 3 });
    expect(stripeItem(teamSubscriptionId)).toMatchObject({
      price: { id: perSeat.stripePriceId },
      quantity: 3,
    });
  });

  it('resumes a paused subscription, and lifts paused payment collection', async () => {
    const { headers, subscriptionId } = await subscriber('paused');

    // Stripe pauses it (a trial that ended without a payment method does this).
    const paused = stripe.scenarios.pauseSubscription(subscriptionId);
    await deliverAll(server, stripe, paused.events);
    await eventually(async () =>
      expect(await summary(headers)).toMatchObject({ status: 'paused', pausedAt: expect.any(String) }),
    );
    const denied = await api(server).get(REPORTS).set(headers).expect(402);
    expect(denied.body).toMatchObject({ code: 'subscription_paused' });

    stripe.clearRequests();
    const resumed = await post('resume', headers).expect(200);
    expect(resumed.body).toMatchObject({ status: 'active', pausedAt: null, cancelAtPeriodEnd: false });
    expect(stripe.requests({ method: 'POST', path: '/v1/subscriptions/:id/resume' })).toHaveLength(1);
    expect(stripeSubscription(subscriptionId).status).toBe('active');
    expect(await msUntil(200, () => api(server).get(REPORTS).set(headers))).toBeLessThan(1_000);

    // Payment collection paused in Stripe (the Dashboard, or the API): still active, shown as paused.
    const since = stripe.events().length;
    await stripe
      .createClient()
      .subscriptions.update(subscriptionId, { pause_collection: { behavior: 'void' } });
    await deliverEventsOf(subscriptionId, since);
    const collectionPaused = await eventually(async () => {
      const current = await summary(headers);
      expect(current).toMatchObject({ status: 'active', pausedAt: expect.any(String) });
      return current;
    });
    expect(collectionPaused.cancelAtPeriodEnd).toBe(false);
    expect(await reportsStatus(headers)).toBe(200);

    stripe.clearRequests();
    const lifted = await post('resume', headers).expect(200);
    expect(lifted.body).toMatchObject({ status: 'active', pausedAt: null });
    expect(stripeSubscription(subscriptionId).pause_collection).toBeNull();
    const update = must(stripe.lastRequest({ method: 'POST', path: '/v1/subscriptions/:id' }), 'an update');
    expect(update.body).toEqual({ pause_collection: '' });
    expect(stripe.requests({ path: '/v1/subscriptions/:id/resume' })).toHaveLength(0);
    expectProblem(await post('resume', headers), 409, 'not_resumable');
  });
});
