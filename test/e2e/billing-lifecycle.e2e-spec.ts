import { bearer, signUp } from '../support/accounts';
import { uniquePlanKey } from '../support/admin';
import {
  checkout,
  createPlan,
  DAY_MS,
  deliverAll,
  eventually,
  features,
  FREE_FEATURES,
  GRACE_DAYS,
  isoFromUnix,
  me,
  PAID_FEATURES,
  paidPlan,
  priceOf,
  subscribe,
  subscriptionOf,
} from '../support/billing';
import { must } from '../support/must';
import { startBillingWorld, BillingWorld } from '../support/billing-world';
import { api, TestServer } from '../support/test-app';
import { StripeDouble, SubscriptionObject } from '../stripe-double';

describe('billing lifecycle: checkout, payments, grace, cancellation', () => {
  let world: BillingWorld;
  let stripe: StripeDouble;
  let server: TestServer;
  let asAdmin: Record<string, string>;

  beforeAll(async () => {
    world = await startBillingWorld();
    ({ stripe, server, asAdmin } = world);
  });
  afterEach(() => stripe.clearFaults());
  afterAll(() => world?.stop());

  function stripeSubscription(id: string): SubscriptionObject {
    const subscription = stripe.retrieve<SubscriptionObject>(id);
    if (!subscription) throw new Error(`the double has no ${id}`);
    return subscription;
  }

  function periodEndOf(id: string): string {
    return isoFromUnix(must(stripeSubscription(id).items.data[0], 'a subscription item').current_period_end);
  }

  it('follows one subscription from checkout to cancellation through its webhooks', async () => {
    const plan = await createPlan(server, asAdmin);
    const monthly = priceOf(plan, 'month');
    const user = await signUp(server.url, 'lifecycle');
    expect(await subscriptionOf(server, user)).toBeNull();
    expect(features((await me(server, user)).entitlements)).toEqual(FREE_FEATURES);

    stripe.clearRequests();
    const session = await checkout(server, user, monthly.id);
    expect(session.id).toMatch(/^cs_/);
    expect(session.url).toMatch(/^https:\/\//);
    const created = must(
      stripe.requests({ method: 'POST', path: '/v1/checkout/sessions' })[0],
      'a checkout request',
    );
    // The account pays: the user's personal account, named on the session.
    const accountId = (await me(server, user)).account.id;
    expect(created.body).toMatchObject({
      mode: 'subscription',
      client_reference_id: accountId,
      metadata: { accountId, userId: user.id },
      line_items: [{ price: monthly.stripePriceId, quantity: '1' }],
      customer: expect.stringMatching(/^cus_/),
    });

    // The customer finishes Checkout with a payment method that takes time to clear.
    const completed = stripe.scenarios.completeCheckoutSession(session.id, {
      subscriptionStatus: 'incomplete',
    });
    const subscriptionId = completed.subscription!.id;
    expect(completed.subscription!.customer).toBe(created.body.customer);
    await deliverAll(server, stripe, completed.events);
    await eventually(async () =>
      expect(await subscriptionOf(server, user)).toMatchObject({
        status: 'incomplete',
        plan: plan.key,
        priceId: monthly.id,
        cancelAtPeriodEnd: false,
        trialEnd: null,
        graceUntil: null,
      }),
    );
    expect(features((await me(server, user)).entitlements)).toEqual(FREE_FEATURES);

    // The first payment clears.
    const cleared = stripe.scenarios.payInvoice(completed.invoice!.id);
    await deliverAll(server, stripe, cleared.events);
    const firstPeriodEnd = periodEndOf(subscriptionId);
    await eventually(async () =>
      expect(await subscriptionOf(server, user)).toMatchObject({
        status: 'active',
        plan: plan.key,
        priceId: monthly.id,
        currentPeriodEnd: firstPeriodEnd,
        graceUntil: null,
      }),
    );
    const active = await me(server, user);
    expect(features(active.entitlements)).toEqual(PAID_FEATURES);
    expect(active.subscription).toMatchObject({ status: 'active', plan: plan.key });

    // The renewal is declined: past_due, with access kept for the grace period.
    const renewal = stripe.scenarios.renewSubscription(subscriptionId, { paymentSucceeds: false });
    const failure = renewal.event('invoice.payment_failed');
    await deliverAll(server, stripe, renewal.events);
    const pastDue = await eventually(async () => {
      const summary = await subscriptionOf(server, user);
      expect(summary).toMatchObject({ status: 'past_due', graceUntil: expect.any(String) });
      return summary!;
    });
    const expectedGraceEnd = failure.created * 1000 + GRACE_DAYS * DAY_MS;
    expect(Math.abs(Date.parse(pastDue.graceUntil!) - expectedGraceEnd)).toBeLessThanOrEqual(5_000);
    expect(features((await me(server, user)).entitlements)).toEqual(PAID_FEATURES);

    // The retry succeeds: active again, on the new period, no grace left.
    const renewalInvoice = stripeSubscription(subscriptionId).latest_invoice!;
    expect(renewalInvoice).toBe(renewal.invoice!.id);
    const retried = stripe.scenarios.payInvoice(renewalInvoice);
    await deliverAll(server, stripe, retried.events);
    const secondPeriodEnd = periodEndOf(subscriptionId);
    expect(Date.parse(secondPeriodEnd)).toBeGreaterThan(Date.parse(firstPeriodEnd));
    await eventually(async () =>
      expect(await subscriptionOf(server, user)).toMatchObject({
        status: 'active',
        graceUntil: null,
        currentPeriodEnd: secondPeriodEnd,
        cancelAtPeriodEnd: false,
      }),
    );

    // Canceled in the customer portal: runs until the period ends, access kept.
    const scheduled = stripe.scenarios.cancelAtPeriodEnd(subscriptionId);
    await deliverAll(server, stripe, scheduled.events);
    await eventually(async () =>
      expect(await subscriptionOf(server, user)).toMatchObject({
        status: 'active',
        cancelAtPeriodEnd: true,
        currentPeriodEnd: secondPeriodEnd,
      }),
    );
    expect(features((await me(server, user)).entitlements)).toEqual(PAID_FEATURES);

    // The subscription ends: back on the free plan.
    const ended = stripe.scenarios.deleteSubscription(subscriptionId);
    await deliverAll(server, stripe, ended.events);
    await eventually(async () =>
      expect(await subscriptionOf(server, user)).toMatchObject({ status: 'canceled', plan: plan.key }),
    );
    await eventually(async () =>
      expect(features((await me(server, user)).entitlements)).toEqual(FREE_FEATURES),
    );

    // Subscribing again is allowed, with the same Stripe customer.
    stripe.clearRequests();
    await checkout(server, user, monthly.id);
    expect(stripe.lastRequest({ method: 'POST', path: '/v1/checkout/sessions' })?.body.customer).toBe(
      created.body.customer,
    );
    expect(stripe.requests({ method: 'POST', path: '/v1/customers' })).toHaveLength(0);
  });

  it('refuses a second checkout while the subscription is live: 409 already_subscribed', async () => {
    const plan = await createPlan(server, asAdmin);
    const user = await signUp(server.url, 'twice');
    await subscribe({ server, stripe }, user, priceOf(plan, 'month'));

    stripe.clearRequests();
    for (const interval of ['month', 'year'] as const) {
      const again = await api(server)
        .post('/v1/billing/checkout')
        .set(bearer(user))
        .send({ priceId: priceOf(plan, interval).id })
        .expect(409);
      expect(again.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(again.body).toMatchObject({ status: 409, code: 'already_subscribed' });
    }
    expect(stripe.requests({ method: 'POST', path: '/v1/checkout/sessions' })).toHaveLength(0);
  });

  it('syncs a completed checkout from Stripe without waiting for the webhook', async () => {
    const plan = await createPlan(server, asAdmin);
    const monthly = priceOf(plan, 'month');
    const user = await signUp(server.url, 'sync');
    const stranger = await signUp(server.url, 'stranger');
    const session = await checkout(server, user, monthly.id);
    const completed = stripe.scenarios.completeCheckoutSession(session.id, { subscriptionStatus: 'active' });
    expect(await subscriptionOf(server, user)).toBeNull();

    // Someone else's session does not become theirs.
    const foreign = await api(server).post(`/v1/billing/checkout/${session.id}/sync`).set(bearer(stranger));
    expect(foreign.status).toBeGreaterThanOrEqual(400);
    expect(foreign.status).toBeLessThan(500);
    expect(await subscriptionOf(server, stranger)).toBeNull();

    const synced = await api(server)
      .post(`/v1/billing/checkout/${session.id}/sync`)
      .set(bearer(user))
      .expect(200);
    expect(synced.body).toMatchObject({
      subscription: { status: 'active', plan: plan.key, priceId: monthly.id },
      credits: { balance: 0 },
    });
    expect(await subscriptionOf(server, user)).toMatchObject({
      status: 'active',
      plan: plan.key,
      priceId: monthly.id,
      currentPeriodEnd: periodEndOf(completed.subscription!.id),
    });
    expect(features((await me(server, user)).entitlements)).toEqual(PAID_FEATURES);

    // The webhooks arriving late change nothing.
    await deliverAll(server, stripe, completed.events);
    expect(await subscriptionOf(server, user)).toMatchObject({ status: 'active', priceId: monthly.id });
    expect(await subscriptionOf(server, stranger)).toBeNull();
  });

  it('opens the customer portal for the Stripe customer', async () => {
    const plan = await createPlan(server, asAdmin);
    const user = await signUp(server.url, 'portal');
    const { subscriptionId } = await subscribe({ server, stripe }, user, priceOf(plan, 'month'));

    stripe.clearRequests();
    const portal = await api(server).post('/v1/billing/portal').set(bearer(user)).expect(201);
    expect(portal.body.url).toMatch(/^https:\/\//);
    const request = must(
      stripe.requests({ method: 'POST', path: '/v1/billing_portal/sessions' })[0],
      'a portal request',
    );
    expect(request.body).toMatchObject({
      customer: stripeSubscription(subscriptionId).customer,
      return_url: expect.any(String),
    });
    expect((request.responseBody as { url: string }).url).toBe(portal.body.url);
  });

  it('changes plan by swapping the subscription price, with prorations', async () => {
    const pro = await createPlan(server, asAdmin);
    const team = await createPlan(server, asAdmin, { ...paidPlan(uniquePlanKey('team')), name: 'Team' });
    const user = await signUp(server.url, 'upgrade');
    const { subscriptionId } = await subscribe({ server, stripe }, user, priceOf(pro, 'month'));
    const target = priceOf(team, 'year');

    stripe.clearRequests();
    const changed = await api(server)
      .post('/v1/billing/subscription/change')
      .set(bearer(user))
      .send({ priceId: target.id })
      .expect(200);
    expect(changed.body).toMatchObject({ status: 'active', plan: team.key, priceId: target.id });

    const update = must(
      stripe.requests({ method: 'POST', path: '/v1/subscriptions/:id' })[0],
      'a subscription update',
    );
    expect(update.path).toBe(`/v1/subscriptions/${subscriptionId}`);
    expect(update.body.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ price: target.stripePriceId })]),
    );
    expect(['create_prorations', 'always_invoice']).toContain(update.body.proration_behavior);
    expect(stripeSubscription(subscriptionId).items.data.map((item) => item.price.id)).toEqual([
      target.stripePriceId,
    ]);
    expect(stripe.requests({ method: 'POST', path: '/v1/checkout/sessions' })).toHaveLength(0);

    // Stripe's own events about the change agree with it.
    const changeEvents = stripe
      .events({ type: 'customer.subscription.updated' })
      .filter((event) => event.data.object.id === subscriptionId);
    await deliverAll(server, stripe, changeEvents);
    expect(await subscriptionOf(server, user)).toMatchObject({
      status: 'active',
      plan: team.key,
      priceId: target.id,
      currentPeriodEnd: periodEndOf(subscriptionId),
    });
  });

  it('changes plan back and forth, each change taking effect at Stripe under its own key', async () => {
    const pro = await createPlan(server, asAdmin);
    const team = await createPlan(server, asAdmin, { ...paidPlan(uniquePlanKey('team')), name: 'Team' });
    const user = await signUp(server.url, 'back-and-forth');
    const { subscriptionId } = await subscribe({ server, stripe }, user, priceOf(pro, 'month'));

    stripe.clearRequests();
    // The third change asks Stripe for exactly what the first did: only a key of its own tells them apart.
    for (const [plan, target] of [
      [team, priceOf(team, 'month')],
      [pro, priceOf(pro, 'month')],
      [team, priceOf(team, 'month')],
    ] as const) {
      const changed = await api(server)
        .post('/v1/billing/subscription/change')
        .set(bearer(user))
        .send({ priceId: target.id })
        .expect(200);
      expect(changed.body).toMatchObject({ plan: plan.key, priceId: target.id });
      expect(stripeSubscription(subscriptionId).items.data.map((item) => item.price.id)).toEqual([
        target.stripePriceId,
      ]);
    }
    const updates = stripe.requests({ method: 'POST', path: '/v1/subscriptions/:id' });
    expect(updates).toHaveLength(3);
    expect(updates.some((update) => update.idempotentReplay)).toBe(false);
    expect(new Set(updates.map((update) => update.idempotencyKey)).size).toBe(3);
  });
});
