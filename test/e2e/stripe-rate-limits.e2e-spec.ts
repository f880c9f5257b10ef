import { bearer, signUp } from '../support/accounts';
import {
  checkout,
  createPlan,
  deliver,
  eventually,
  paidPlan,
  priceOf,
  sleep,
  subscribe,
  subscriptionOf,
  webhookEvents,
  WEBHOOK_STATUSES,
  WebhookEventRow,
} from '../support/billing';
import { BillingWorld, startBillingWorld, twoInstances } from '../support/billing-world';
import { must } from '../support/must';
import { api, TestServer } from '../support/test-app';
import { EventObject, RecordedRequest, StripeDouble } from '../stripe-double';

/** Requests the service sent (its client names itself in the user agent), per second of arrival. */
function busiestSecond(requests: RecordedRequest[]): number {
  const perSecond = new Map<number, number>();
  for (const request of requests) {
    if (!request.headers['user-agent']?.includes('tollgate')) continue;
    const second = Math.floor(request.receivedAt.getTime() / 1000);
    perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
  }
  return Math.max(0, ...perSecond.values());
}

/** The most requests Stripe was answering at once (received, answer not yet sent). */
function mostAtOnce(requests: RecordedRequest[]): number {
  const moments = requests.flatMap((request) => [
    { at: request.receivedAt.getTime(), change: 1 },
    { at: must(request.answeredAt, 'an answered request').getTime(), change: -1 },
  ]);
  // At the same millisecond an answer leaves before the next request counts.
  moments.sort((a, b) => a.at - b.at || a.change - b.change);
  let current = 0;
  let most = 0;
  for (const { change } of moments) most = Math.max(most, (current += change));
  return most;
}

/** `count` deliveries of one event under ids of their own, as a burst of distinct events. */
function copies(event: EventObject, count: number, label: string): EventObject[] {
  return Array.from({ length: count }, (_, index) => ({ ...event, id: `${event.id}_${label}${index}` }));
}

/** The inbox rows of these events (one list per status, not one request per event). */
async function rowsOf(world: BillingWorld, events: EventObject[]): Promise<WebhookEventRow[]> {
  const ids = new Set(events.map((event) => event.id));
  const lists = await Promise.all(
    WEBHOOK_STATUSES.map((status) => webhookEvents(world.server, world.asAdmin, status)),
  );
  return lists
    .flat()
    .filter((row) => ids.has(row.id))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** Delivers every event at once (event `index` to `to(index)`); each must be acknowledged. */
async function deliverAtOnce(
  stripe: StripeDouble,
  events: EventObject[],
  to: (index: number) => TestServer,
): Promise<void> {
  const statuses = await Promise.all(
    events.map(async (event, index) => (await deliver(to(index), stripe, event)).status),
  );
  expect(statuses).toEqual(events.map(() => 200));
}

/** Waits until every one of these events is processed; their inbox rows. */
function allProcessed(world: BillingWorld, events: EventObject[]): Promise<WebhookEventRow[]> {
  return eventually(async () => {
    const stored = await rowsOf(world, events);
    expect(stored.map((row) => row.status)).toEqual(events.map(() => 'processed'));
    return stored;
  }, 30_000);
}

/** A dashboard edit of the price, as Stripe announces it: every delivery of it re-fetches the price. */
async function priceEdit(stripe: StripeDouble, stripePriceId: string, edited: string): Promise<EventObject> {
  await stripe.createClient().prices.update(stripePriceId, { metadata: { edited } });
  return must(stripe.events({ type: 'price.updated' }).at(-1), 'the price.updated event');
}

describe("Stripe's 429s", () => {
  let world: BillingWorld;
  let stripe: StripeDouble;

  beforeAll(async () => {
    world = await startBillingWorld({ env: { STRIPE_MAX_RPS: '50' } });
    ({ stripe } = world);
  });
  afterEach(() => stripe.clearFaults());
  afterAll(() => world?.stop());

  it('are retried for webhook processing: every event ends processed at its first attempt, none failed', async () => {
    const { server, asAdmin } = world;
    const plan = await createPlan(server, asAdmin, paidPlan());
    const user = await signUp(server.url, 'rate-limited-webhooks');
    const { subscriptionId } = await subscribe(world, user, priceOf(plan, 'month'));
    const updated = stripe.scenarios.cancelAtPeriodEnd(subscriptionId).event('customer.subscription.updated');
    const burst = copies(updated, 12, '429');

    // Stripe's rate limiter: no Stripe-Should-Retry, so stripe-node alone would not retry.
    // Four in a row: the burst now costs one or two fetches, and a background request backs off
    // 0.5, 1, 2, 4 s (at most) between them.
    stripe.failNext({ method: 'GET', path: '/v1/subscriptions/:id', status: 429, times: 4 });
    await deliverAtOnce(stripe, burst, () => server);

    const rows = await allProcessed(world, burst);
    expect(rows.map((row) => row.attempts)).toEqual(burst.map(() => 1));
    expect(stripe.pendingFaults()).toBe(0);
    expect(
      stripe.requests({ method: 'GET', path: '/v1/subscriptions/:id' }).filter((r) => r.status === 429),
    ).toHaveLength(4);
    expect(
      (await webhookEvents(server, asAdmin, 'failed')).filter((row) => row.id.startsWith(updated.id)),
    ).toEqual([]);
    expect(await subscriptionOf(server, user)).toMatchObject({ status: 'active', cancelAtPeriodEnd: true });
  });

  it('are retried once or twice for a user, then answered 503, with no retries of stripe-node on top', async () => {
    const { server, asAdmin } = world;
    const plan = await createPlan(server, asAdmin, paidPlan());
    const monthly = priceOf(plan, 'month');

    const patient = await signUp(server.url, 'rate-limited-once');
    stripe.failNext({ method: 'POST', path: '/v1/checkout/sessions', status: 429 });
    const session = await checkout(server, patient, monthly.id);
    expect(session.id).toMatch(/^cs_/);
    expect(stripe.pendingFaults()).toBe(0);

    const unlucky = await signUp(server.url, 'rate-limited-always');
    stripe.clearRequests();
    stripe.failNext({
      method: 'POST',
      path: '/v1/checkout/sessions',
      status: 429,
      times: 100,
      headers: { 'stripe-should-retry': 'true' },
    });
    const startedAt = Date.now();
    const refused = await api(server)
      .post('/v1/billing/checkout')
      .set(bearer(unlucky))
      .send({ priceId: monthly.id })
      .expect(503);
    expect(refused.body).toMatchObject({ code: 'stripe_unavailable' });
    expect(Date.now() - startedAt).toBeLessThan(4_000);
    // Ours: the first try and two retries. stripe-node's own (STRIPE_MAX_NETWORK_RETRIES = 2) would make 3 × 3.
    expect(stripe.requests({ method: 'POST', path: '/v1/checkout/sessions' })).toHaveLength(3);
  });
});

describe('the request budget (STRIPE_MAX_RPS = 5)', () => {
  let world: BillingWorld;
  let stripe: StripeDouble;

  beforeAll(async () => {
    world = await startBillingWorld({ env: { STRIPE_MAX_RPS: '5' } });
    ({ stripe } = world);
  });
  afterAll(() => world?.stop());

  it('acknowledges a burst at once, drains it at the budget, and serves a checkout ahead of it', async () => {
    const { server, asAdmin } = world;
    const plan = await createPlan(server, asAdmin, paidPlan());
    const monthly = priceOf(plan, 'month');
    const buyer = await signUp(server.url, 'ahead-of-the-burst');

    // A dashboard edit of the price, delivered as a burst of distinct events: each re-fetches it.
    const edited = await priceEdit(stripe, monthly.stripePriceId, 'yes');
    const burst = copies(edited, 40, 'burst');

    const acknowledgedAt = Date.now();
    await deliverAtOnce(stripe, burst, () => server);
    const acknowledgedInMs = Date.now() - acknowledgedAt;

    const checkoutStartedAt = Date.now();
    const session = await checkout(server, buyer, monthly.id);
    const checkoutMs = Date.now() - checkoutStartedAt;
    const duringCheckout = stripe
      .requests()
      .filter((request) => request.receivedAt.getTime() >= checkoutStartedAt);
    const checkoutCalls = duringCheckout.filter((request) => !request.path.startsWith('/v1/prices/'));
    const lastCheckoutCall = must(checkoutCalls.at(-1), "the checkout's calls").receivedAt.getTime();
    const refetchesInBetween = duringCheckout.filter(
      (request) => request.path.startsWith('/v1/prices/') && request.receivedAt.getTime() < lastCheckoutCall,
    ).length;
    const doneWhenCheckoutAnswered = (await rowsOf(world, burst)).filter(
      (row) => row.status === 'processed',
    ).length;
    expect(session.id).toMatch(/^cs_/);

    const rows = await allProcessed(world, burst);
    const drainedInMs = Date.now() - acknowledgedAt;

    // 40 re-fetches at 5 per second take 8 s; the checkout went ahead of most of them.
    expect(doneWhenCheckoutAnswered).toBeLessThan(burst.length);
    // Each of the checkout's calls waits for the next free turn, not behind the backlog (FIFO: 5 re-fetches each).
    expect(refetchesInBetween).toBeLessThanOrEqual(checkoutCalls.length);
    expect(checkoutMs).toBeLessThan(2_500);
    expect(drainedInMs).toBeGreaterThan(6_000);
    expect(acknowledgedInMs).toBeLessThan(drainedInMs / 2);
    expect(rows.every((row) => row.attempts === 1)).toBe(true);
    expect(busiestSecond(stripe.requests())).toBeLessThanOrEqual(5);
    expect(stripe.requests({ method: 'GET', path: '/v1/prices/:id' }).length).toBeGreaterThanOrEqual(
      burst.length,
    );
  });

  it('keeps a quarter of the budget in flight at most: a slow Stripe is sent 2 requests at a time', async () => {
    const { server, asAdmin } = world;
    const plan = await createPlan(server, asAdmin, paidPlan());
    const edited = await priceEdit(stripe, priceOf(plan, 'month').stripePriceId, 'slowly');
    const burst = copies(edited, 8, 'slow');
    stripe.clearRequests();
    stripe.behaveLikeStripe({ latencyMs: 1_000 });
    try {
      await deliverAtOnce(stripe, burst, () => server);
      await allProcessed(world, burst);
    } finally {
      stripe.behaveInstantly();
    }
    const fetches = stripe.requests({ method: 'GET', path: '/v1/prices/:id' });
    expect(fetches.length).toBeGreaterThanOrEqual(burst.length);
    // Paced by the rate alone, these 1 s requests overlapped 4 at a time; a quarter of 5, rounded up, is 2.
    expect(mostAtOnce(fetches)).toBe(2);
  });

  it('a renewal backlog costs one fetch per subscription and invoice: events received before a stored fetch need none', async () => {
    const { server, asAdmin } = world;
    const monthly = priceOf(await createPlan(server, asAdmin, paidPlan()), 'month');
    const subscribers = [];
    for (let index = 0; index < 6; index++) {
      const user = await signUp(server.url, `backlog-${index}`);
      subscribers.push({ user, ...(await subscribe(world, user, monthly)) });
    }
    const renewals = subscribers.map(({ subscriptionId }) =>
      stripe.scenarios.renewSubscription(subscriptionId, { paymentSucceeds: true }),
    );
    const burst = renewals.flatMap((renewal, index) => [
      ...copies(renewal.event('customer.subscription.updated'), 4, `updated${index}_`),
      ...copies(renewal.event('invoice.paid'), 4, `paid${index}_`),
    ]);
    burst.sort(() => Math.random() - 0.5);
    stripe.clearRequests();

    await deliverAtOnce(stripe, burst, () => server);
    await allProcessed(world, burst);

    // 48 events, each of which re-fetched before: at most the first fetch of each subscription and
    // invoice, and one more for a fetch already in flight when an event arrived.
    const subscriptionFetches = stripe.requests({ method: 'GET', path: '/v1/subscriptions/:id' }).length;
    const invoiceFetches = stripe.requests({ method: 'GET', path: '/v1/invoices/:id' }).length;
    expect(subscriptionFetches).toBeLessThanOrEqual(12);
    expect(invoiceFetches).toBeLessThanOrEqual(12);
    for (const [index, { user }] of subscribers.entries()) {
      const periodEnd = must(renewals[index]!.subscription.items.data[0], 'an item').current_period_end;
      expect(await subscriptionOf(server, user)).toMatchObject({
        status: 'active',
        currentPeriodEnd: new Date(periodEnd * 1000).toISOString(),
      });
    }
  });
});

describe('the request budget shared by two instances (STRIPE_MAX_RPS = 4)', () => {
  let world: BillingWorld;
  let stripe: StripeDouble;

  beforeAll(async () => {
    world = await startBillingWorld({ instances: 2, env: { STRIPE_MAX_RPS: '4' } });
    ({ stripe } = world);
  });
  afterAll(() => world?.stop());

  it('gives each live instance half: together they never send more than the budget in a second', async () => {
    const [first, second] = twoInstances(world);
    const plan = await createPlan(first, world.asAdmin, paidPlan());
    const edited = await priceEdit(stripe, priceOf(plan, 'month').stripePriceId, 'yes');
    const burst = copies(edited, 24, 'shared');
    // Each instance counts the live ones every 5 s: past that, both know of the other.
    await sleep(5_500);

    await deliverAtOnce(stripe, burst, (index) => (index % 2 ? second : first));
    await allProcessed(world, burst);
    expect(busiestSecond(stripe.requests())).toBeLessThanOrEqual(4);
  });
});
