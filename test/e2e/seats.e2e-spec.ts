import { bearer, signUp, TestAccount, uniqueEmail } from '../support/accounts';
import { uniquePlanKey } from '../support/admin';
import {
  createPlan,
  deliverAll,
  eventually,
  PlanBody,
  PriceBody,
  priceOf,
  sleep,
  SubscriptionSummary,
} from '../support/billing';
import { BillingWorld, startBillingWorld } from '../support/billing-world';
import { MailServer } from '../support/mail-server';
import { must } from '../support/must';
import { api, startTestServer, TestServer } from '../support/test-app';
import { InvoiceObject, PriceObject, StripeDouble, SubscriptionObject } from '../stripe-double';

const APP_URL = 'https://app.tollgate.test';
const PROBLEM = /^application\/problem\+json/;
/** Where the app changes a subscription's quantity in Stripe. */
const SUBSCRIPTION_UPDATE = { method: 'POST', path: '/v1/subscriptions/:id' } as const;

/** A plan sold per seat, monthly, capping the members at `seats` (null: no cap). */
function seatPlanBody(seats: number | null, key = uniquePlanKey('team')) {
  return {
    key,
    name: 'Team',
    trialDays: 0,
    features: [
      { key: 'seats', limit: seats },
      { key: 'projects', limit: null },
    ],
    prices: [{ interval: 'month', amount: 1200, currency: 'usd', perSeat: true }],
  };
}

interface InvitationBody {
  id: string;
  email: string;
  role: string;
  expiresAt: string;
}

describe('seats: a per-seat subscription follows the member count, and plans cap the members', () => {
  let mail: MailServer;
  let world: BillingWorld;
  let stripe: StripeDouble;
  let server: TestServer;
  let asAdmin: Record<string, string>;
  let teamPlan: PlanBody;
  let perSeat: PriceBody;

  beforeAll(async () => {
    mail = await MailServer.start();
    world = await startBillingWorld({
      instances: 2,
      env: {
        SMTP_URL: mail.url,
        APP_URL,
        MAIL_REQUESTS_PER_CLIENT_PER_HOUR: '1000',
        // A seat change Stripe holds (the race below) is let go before the client gives up on it.
        STRIPE_TIMEOUT_MS: '10000',
      },
    });
    ({ stripe, server, asAdmin } = world);
    teamPlan = await createPlan(server, asAdmin, seatPlanBody(10));
    perSeat = priceOf(teamPlan, 'month');
  });
  afterEach(() => stripe.clearFaults());
  afterAll(async () => {
    await world?.stop();
    await mail?.stop();
  });

  const actingFor = (user: TestAccount, accountId: string) => ({
    ...bearer(user),
    'x-account-id': accountId,
  });

  async function createTeam(owner: TestAccount, name = 'Difference Engines'): Promise<string> {
    const created = await api(server).post('/v1/accounts').set(bearer(owner)).send({ name }).expect(201);
    return (created.body as { id: string }).id;
  }

  const invite = (by: TestAccount, accountId: string, email: string, role = 'member') =>
    api(server).post(`/v1/accounts/${accountId}/invitations`).set(bearer(by)).send({ email, role });

  /** The token of the `count`-th invitation mailed to `email`. */
  async function invitationToken(email: string, count = 1): Promise<string> {
    const invitations = () => mail.mailsTo(email).filter((sent) => /invited you/.test(sent.subject));
    await mail.waitUntil(() => invitations().length >= count, 15_000, `invitation ${count} to ${email}`);
    const link = must(
      invitations()[count - 1]!.links.find((candidate) => candidate.includes('/invitations/accept')),
      'an invitation link',
    );
    return must(new URL(link).searchParams.get('token'), 'a token in the invitation link');
  }

  const accept = (user: TestAccount, token: string, instance: TestServer = server) =>
    api(instance).post('/v1/invitations/accept').set(bearer(user)).send({ token });

  /** A new user invited by `owner` who accepts: a member of the account. */
  async function join(owner: TestAccount, accountId: string, role = 'member'): Promise<TestAccount> {
    const user = await signUp(server.url, 'seat');
    await invite(owner, accountId, user.email, role).expect(201);
    await accept(user, await invitationToken(user.email)).expect(200);
    return user;
  }

  const leave = (user: TestAccount, accountId: string) =>
    api(server).delete(`/v1/accounts/${accountId}/members/${user.id}`).set(bearer(user)).expect(204);

  async function membersOf(user: TestAccount, accountId: string) {
    const listed = await api(server).get(`/v1/accounts/${accountId}/members`).set(bearer(user)).expect(200);
    return listed.body as { data: { userId: string }[]; invitations: InvitationBody[] };
  }

  /** The team's subscription as its members read it (GET /v1/billing/subscription acting for it). */
  async function teamSubscription(user: TestAccount, accountId: string): Promise<SubscriptionSummary> {
    const response = await api(server).get('/v1/billing/subscription').set(actingFor(user, accountId));
    expect(response.status).toBe(200);
    return response.body as SubscriptionSummary;
  }

  /** The owner checks out for the team, pays on Stripe's page, every event delivered: the Stripe id. */
  async function subscribeTeam(owner: TestAccount, accountId: string, price = perSeat): Promise<string> {
    const session = await api(server)
      .post('/v1/billing/checkout')
      .set(actingFor(owner, accountId))
      .send({ priceId: price.id })
      .expect(201);
    const completion = stripe.scenarios.completeCheckoutSession((session.body as { id: string }).id, {
      subscriptionStatus: 'active',
    });
    await deliverAll(server, stripe, completion.events);
    await eventually(async () =>
      expect(await teamSubscription(owner, accountId)).toMatchObject({ status: 'active' }),
    );
    return must(completion.subscription, 'a subscription from the checkout').id;
  }

  function stripeItem(subscriptionId: string) {
    const subscription = must(
      stripe.retrieve<SubscriptionObject>(subscriptionId),
      'the subscription in Stripe',
    );
    return must(subscription.items.data[0], 'a subscription item');
  }

  /** What Stripe bills: the quantity of the subscription's item. */
  const stripeQuantity = (subscriptionId: string) => stripeItem(subscriptionId).quantity;

  const seatUpdates = (subscriptionId: string) =>
    stripe.requests({ method: 'POST', path: `/v1/subscriptions/${subscriptionId}` });

  it('sells a per-seat monthly price: GET /v1/plans shows perSeat and Stripe has it marked; perSeat on one_time or not a boolean → 400', async () => {
    expect(perSeat).toMatchObject({ interval: 'month', perSeat: true });
    const listed = await api(server).get('/v1/plans').expect(200);
    const offered = (listed.body.data as PlanBody[]).find((plan) => plan.key === teamPlan.key);
    expect(offered?.features).toEqual(
      expect.arrayContaining([{ key: 'seats', limit: 10 }, expect.objectContaining({ key: 'projects' })]),
    );
    expect(offered?.prices).toEqual([expect.objectContaining({ id: perSeat.id, perSeat: true })]);
    expect(stripe.retrieve<PriceObject>(perSeat.stripePriceId)).toMatchObject({
      type: 'recurring',
      recurring: { interval: 'month' },
      metadata: { tollgate_per_seat: 'true' },
    });

    // A price added later may be per seat too; one without perSeat is not.
    const plan = await createPlan(server, asAdmin, seatPlanBody(null));
    const addPrice = (body: object) =>
      api(server).post(`/v1/admin/plans/${plan.key}/prices`).set(asAdmin).send(body);
    const yearly = await addPrice({ interval: 'year', amount: 12000, currency: 'usd', perSeat: true }).expect(
      201,
    );
    expect(yearly.body).toMatchObject({ interval: 'year', perSeat: true });
    const flat = await addPrice({ interval: 'month', amount: 5000, currency: 'eur' }).expect(201);
    expect(flat.body).toMatchObject({ interval: 'month', perSeat: false });
    expect(stripe.retrieve<PriceObject>(flat.body.stripePriceId)?.metadata).not.toHaveProperty(
      'tollgate_per_seat',
    );

    const oneTime = await addPrice({
      interval: 'one_time',
      amount: 500,
      currency: 'usd',
      credits: 10,
      perSeat: true,
    }).expect(400);
    expect(oneTime.headers['content-type']).toMatch(PROBLEM);
    expect(oneTime.body).toMatchObject({
      code: 'validation_failed',
      errors: [{ field: 'perSeat', message: expect.stringContaining('recurring') }],
    });
    for (const notBoolean of ['yes', 'true', 1, {}]) {
      const refused = await addPrice({
        interval: 'month',
        amount: 900,
        currency: 'usd',
        perSeat: notBoolean,
      });
      expect(refused.status).toBe(400);
      expect(refused.headers['content-type']).toMatch(PROBLEM);
      expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'perSeat' })]);
    }

    // A new plan with such a price is refused whole: nothing is created, here or in Stripe.
    const key = uniquePlanKey('bad-seats');
    const productsBefore = stripe.requests({ method: 'POST', path: '/v1/products' }).length;
    const refusedPlan = await api(server)
      .post('/v1/admin/plans')
      .set(asAdmin)
      .send({
        ...seatPlanBody(5, key),
        prices: [{ interval: 'one_time', amount: 500, currency: 'usd', credits: 10, perSeat: true }],
      })
      .expect(400);
    expect(refusedPlan.headers['content-type']).toMatch(PROBLEM);
    expect(refusedPlan.body.errors).toEqual([expect.objectContaining({ field: 'prices.0.perSeat' })]);
    await api(server).get(`/v1/admin/plans/${key}`).set(asAdmin).expect(404);
    expect(stripe.requests({ method: 'POST', path: '/v1/products' })).toHaveLength(productsBefore);
  });

  it('buys a team of 3 at quantity 3; a join, a leave, a removal and a deletion move Stripe’s quantity, prorated', async () => {
    const owner = await signUp(server.url, 'seat-owner');
    const accountId = await createTeam(owner);
    const admin = await join(owner, accountId, 'admin');
    const member = await join(owner, accountId);

    stripe.clearRequests();
    const subscriptionId = await subscribeTeam(owner, accountId);
    const [checkout] = stripe.requests({ method: 'POST', path: '/v1/checkout/sessions' });
    expect(checkout?.body).toMatchObject({
      client_reference_id: accountId,
      line_items: [{ price: perSeat.stripePriceId, quantity: '3' }],
    });
    expect(stripeQuantity(subscriptionId)).toBe(3);
    // Every member reads it.
    expect(await teamSubscription(member, accountId)).toMatchObject({
      status: 'active',
      plan: teamPlan.key,
      priceId: perSeat.id,
      quantity: 3,
    });

    // A 4th member joins: Stripe's quantity is 4, prorated, by the time the join is answered.
    stripe.clearRequests();
    const fourth = await join(owner, accountId);
    expect(stripeQuantity(subscriptionId)).toBe(4);
    const itemId = stripeItem(subscriptionId).id;
    expect(seatUpdates(subscriptionId).map((update) => update.body)).toEqual([
      { items: [{ id: itemId, quantity: '4' }], proration_behavior: 'create_prorations' },
    ]);
    expect(await teamSubscription(owner, accountId)).toMatchObject({ quantity: 4 });

    // One leaves, the team's admin removes another, and a member deletes their user.
    await leave(fourth, accountId);
    expect(stripeQuantity(subscriptionId)).toBe(3);
    expect(await teamSubscription(owner, accountId)).toMatchObject({ quantity: 3 });

    await api(server).delete(`/v1/accounts/${accountId}/members/${member.id}`).set(bearer(admin)).expect(204);
    expect(stripeQuantity(subscriptionId)).toBe(2);
    expect(await teamSubscription(admin, accountId)).toMatchObject({ quantity: 2 });

    await api(server).delete('/v1/me').set(bearer(admin)).send({ password: admin.password }).expect(204);
    expect(stripeQuantity(subscriptionId)).toBe(1);
    expect(await teamSubscription(owner, accountId)).toMatchObject({ quantity: 1 });
    expect(seatUpdates(subscriptionId)).toHaveLength(4);
    for (const update of seatUpdates(subscriptionId)) {
      expect(update.body).toMatchObject({ proration_behavior: 'create_prorations' });
    }

    // The next invoice: the seats for the new period, and a credit and a charge for every change.
    const { invoice } = stripe.scenarios.renewSubscription(subscriptionId);
    const lines = must(invoice, 'the renewal invoice').lines.data;
    const prorated = (line: InvoiceObject['lines']['data'][number]) =>
      line.parent.subscription_item_details.proration;
    expect(lines.filter((line) => !prorated(line)).map((line) => line.quantity)).toEqual([1]);
    expect(lines.filter(prorated).map((line) => [Math.sign(line.amount), line.quantity])).toEqual([
      [-1, 3],
      [1, 4],
      [-1, 4],
      [1, 3],
      [-1, 3],
      [1, 2],
      [-1, 2],
      [1, 1],
    ]);
  });

  it('keeps a join that Stripe refused (429); the admin reconcile route brings Stripe to the member count', async () => {
    const owner = await signUp(server.url, 'seat-refused');
    const accountId = await createTeam(owner);
    await join(owner, accountId);
    const subscriptionId = await subscribeTeam(owner, accountId);
    expect(stripeQuantity(subscriptionId)).toBe(2);

    // A 429 is sent again twice for a request (README, Stripe's rate limits): refused three times.
    stripe.failNext({ status: 429, times: 3, ...SUBSCRIPTION_UPDATE });
    const late = await join(owner, accountId); // answered 200
    expect(stripe.pendingFaults()).toBe(0); // the seat update was the request refused
    expect((await membersOf(late, accountId)).data).toHaveLength(3);
    expect(stripeQuantity(subscriptionId)).toBe(2);
    expect(await teamSubscription(late, accountId)).toMatchObject({ quantity: 2 });

    stripe.clearRequests();
    const reconciled = await api(server)
      .post(`/v1/admin/accounts/${accountId}/reconcile`)
      .set(asAdmin)
      .expect(200);
    expect(reconciled.body.subscription).toMatchObject({ status: 'active', quantity: 3 });
    expect(stripeQuantity(subscriptionId)).toBe(3);
    expect(seatUpdates(subscriptionId).map((update) => update.body)).toEqual([
      expect.objectContaining({ proration_behavior: 'create_prorations' }),
    ]);
    expect(await teamSubscription(owner, accountId)).toMatchObject({ quantity: 3 });

    // In step now: a second reconcile changes nothing in Stripe.
    stripe.clearRequests();
    await api(server).post(`/v1/admin/accounts/${accountId}/reconcile`).set(asAdmin).expect(200);
    expect(seatUpdates(subscriptionId)).toEqual([]);
  });

  it('keeps a leave that Stripe could not hear of (500s); the periodic reconciliation pass heals it once Stripe is back', async () => {
    // An instance that reconciles every 300 ms, booting while the team is set up.
    const booting = startTestServer({ ...world.env, RECONCILE_INTERVAL_MS: '300' });
    try {
      const owner = await signUp(server.url, 'seat-outage');
      const accountId = await createTeam(owner);
      await join(owner, accountId);
      const leaving = await join(owner, accountId);
      const subscriptionId = await subscribeTeam(owner, accountId);
      expect(stripeQuantity(subscriptionId)).toBe(3);

      // Stripe answers 500 to every change of this subscription: the client's retries and the passes' too.
      stripe.failNext({
        status: 500,
        method: 'POST',
        path: `/v1/subscriptions/${subscriptionId}`,
        times: 1_000,
      });
      await leave(leaving, accountId);
      expect((await membersOf(owner, accountId)).data).toHaveLength(2);
      expect(stripeQuantity(subscriptionId)).toBe(3);
      const refused = seatUpdates(subscriptionId);
      expect(refused.length).toBeGreaterThanOrEqual(3);
      expect(refused.every((update) => update.status === 500)).toBe(true);

      await booting;
      stripe.clearFaults();
      await eventually(async () => {
        expect(await teamSubscription(owner, accountId)).toMatchObject({ quantity: 2 });
        expect(stripeQuantity(subscriptionId)).toBe(2);
      }, 30_000); // the new instance's first pass also catches up every event this file made
    } finally {
      await booting.then(
        (periodic) => periodic.stop(),
        () => undefined, // a failed boot failed the test above
      );
    }
  });

  it('caps members and pending invitations at the plan’s seats: 402 limit_reached names the account', async () => {
    const capped = priceOf(await createPlan(server, asAdmin, seatPlanBody(3)), 'month');
    const owner = await signUp(server.url, 'seat-cap');
    const accountId = await createTeam(owner, 'Capped Co');
    await join(owner, accountId);
    const subscriptionId = await subscribeTeam(owner, accountId, capped);

    // The owner, a member and a pending invitation fill the 3 seats.
    const pendingEmail = uniqueEmail('pending');
    await invite(owner, accountId, pendingEmail).expect(201);
    const refused = await invite(owner, accountId, uniqueEmail('fourth')).expect(402);
    expect(refused.headers['content-type']).toMatch(PROBLEM);
    expect(refused.headers['cache-control']).toContain('no-store');
    expect(refused.body).toMatchObject({
      code: 'limit_reached',
      feature: 'seats',
      limit: { limit: 3, used: 3 },
      account: { id: accountId, name: 'Capped Co' },
    });
    expect((await membersOf(owner, accountId)).invitations.map((pending) => pending.email)).toEqual([
      pendingEmail,
    ]);

    // Inviting the pending address again reuses its seat.
    const again = (await invite(owner, accountId, pendingEmail, 'admin').expect(201)).body as InvitationBody;
    expect((await membersOf(owner, accountId)).invitations).toEqual([again]);

    // Revoking it frees the seat: the next invitee takes it and joins.
    await api(server)
      .delete(`/v1/accounts/${accountId}/invitations/${again.id}`)
      .set(bearer(owner))
      .expect(204);
    const third = await signUp(server.url, 'seat-third');
    await invite(owner, accountId, third.email).expect(201);
    await accept(third, await invitationToken(third.email)).expect(200);
    expect((await membersOf(owner, accountId)).data).toHaveLength(3);
    expect(stripeQuantity(subscriptionId)).toBe(3);

    const full = await invite(owner, accountId, uniqueEmail('fifth')).expect(402);
    expect(full.body).toMatchObject({ feature: 'seats', limit: { limit: 3, used: 3 } });
  });

  it('does not cap an account whose plan has no seats feature (the free plan): five invitations', async () => {
    const owner = await signUp(server.url, 'seat-free');
    const accountId = await createTeam(owner);
    for (let index = 0; index < 5; index++) await invite(owner, accountId, uniqueEmail('free')).expect(201);
    expect((await membersOf(owner, accountId)).invitations).toHaveLength(5);
  });

  it('ends at the member count when two members accept at the same moment while Stripe is still busy with an earlier join', async () => {
    const owner = await signUp(server.url, 'seat-race');
    const accountId = await createTeam(owner);
    const subscriptionId = await subscribeTeam(owner, accountId);
    expect(stripeQuantity(subscriptionId)).toBe(1);

    const [early, ...racers] = await Promise.all([1, 2, 3].map(() => signUp(server.url, 'seat-racer')));
    const invitees = [early!, ...racers];
    for (const invitee of invitees) await invite(owner, accountId, invitee.email).expect(201);
    const [earlyToken, ...racerTokens] = await Promise.all(
      invitees.map((invitee) => invitationToken(invitee.email)),
    );

    // Stripe holds the seat change of the first join (to 2) until the other two have joined.
    stripe.hangNext(SUBSCRIPTION_UPDATE);
    const earlyAnswer = accept(early!, earlyToken!).then((answer) => answer.status);
    while (stripe.pendingFaults() > 0) await sleep(20); // until Stripe holds it
    const racing = await Promise.all(
      racers.map((racer, index) => accept(racer, racerTokens[index]!, world.instances[index % 2])),
    );
    expect(racing.map((answer) => answer.status)).toEqual([200, 200]);
    expect(stripeQuantity(subscriptionId)).toBe(4);

    // The held change lands last, from a count two members behind: the first join's re-count corrects it.
    stripe.clearFaults();
    expect(await earlyAnswer).toBe(200);
    expect((await membersOf(owner, accountId)).data).toHaveLength(4);
    expect(stripeQuantity(subscriptionId)).toBe(4);
    expect(await teamSubscription(owner, accountId)).toMatchObject({ quantity: 4 });
    expect(seatUpdates(subscriptionId).map((update) => update.body.items)).toEqual(
      expect.arrayContaining([[expect.objectContaining({ quantity: '2' })]]),
    );
  });
});
