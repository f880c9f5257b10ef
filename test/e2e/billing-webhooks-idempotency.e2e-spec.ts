import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import Stripe from 'stripe';

import { bearer, signUp } from '../support/accounts';
import {
  adminUser,
  checkout,
  createPlan,
  creditBalance,
  creditPackPlan,
  deliver,
  deliverAll,
  eventually,
  features,
  me,
  PAID_FEATURES,
  payForCreditPack,
  PlanBody,
  priceOf,
  sleep,
  storedEvents,
  subscribe,
  subscriptionOf,
  WebhookEventRow,
} from '../support/billing';
import { must } from '../support/must';
import { api, TestServer } from '../support/test-app';
import { BillingWorld, startBillingWorld, twoInstances } from '../support/billing-world';
import { TestDatabaseServer } from '../support/test-database';
import { EventObject, StripeDouble } from '../stripe-double';

const COPIES = 5;

async function waitingOnLocks(client: Client): Promise<number> {
  const { rows } = await client.query<{ count: string }>(
    `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
  );
  return Number(must(rows[0], 'a count').count);
}

describe('webhooks have effect once, whatever the delivery order or count', () => {
  let world: BillingWorld;
  let stripe: StripeDouble;
  let database: TestDatabaseServer;
  /** Two instances of the service on one database, as in production. */
  let instances: [TestServer, TestServer];
  let server: TestServer;
  let asAdmin: Record<string, string>;
  let subscriptionPlan: PlanBody;
  let creditPlan: PlanBody;

  beforeAll(async () => {
    world = await startBillingWorld({ instances: 2 });
    ({ stripe, database, server, asAdmin } = world);
    instances = twoInstances(world);
    subscriptionPlan = await createPlan(server, asAdmin);
    creditPlan = await createPlan(server, asAdmin, creditPackPlan());
  });
  afterEach(() => stripe.clearFaults());

  /** The instance the index-th of several deliveries goes to: turn by turn. */
  function instanceFor(index: number): TestServer {
    return must(instances[index % instances.length], 'an instance');
  }
  afterAll(() => world?.stop());

  /** The same event, delivered COPIES times at once, spread over both instances; all acknowledged. */
  async function deliverConcurrently(event: EventObject): Promise<void> {
    const responses = await Promise.all(
      Array.from({ length: COPIES }, (_, index) => deliver(instanceFor(index), stripe, event)),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(COPIES).fill(200));
  }

  async function processedOnce(eventId: string, status: WebhookEventRow['status'] = 'processed') {
    await eventually(async () =>
      expect(await storedEvents(server, asAdmin, eventId)).toEqual([
        expect.objectContaining({ id: eventId, status }),
      ]),
    );
  }

  it('applies a subscription event delivered five times at once a single time', async () => {
    const user = await signUp(server.url, 'concurrent-sub');
    const session = await checkout(server, user, priceOf(subscriptionPlan, 'month').id);
    const completed = stripe.scenarios.completeCheckoutSession(session.id, { subscriptionStatus: 'active' });
    const created = completed.event('customer.subscription.created');

    await deliverConcurrently(created);
    await processedOnce(created.id);
    await eventually(async () =>
      expect(await subscriptionOf(server, user)).toMatchObject({
        status: 'active',
        plan: subscriptionPlan.key,
      }),
    );
    await sleep(500); // room for a duplicate's late effect to show up
    const causedBy = (await adminUser(server, asAdmin, user.id)).billingEvents.filter(
      (entry) => entry.cause === created.id,
    );
    expect(causedBy).toHaveLength(1);

    // The rest of the checkout's events, then the same event again: still one effect.
    await deliverAll(
      server,
      stripe,
      completed.events.filter((event) => event.id !== created.id),
    );
    await deliverConcurrently(created);
    const view = await adminUser(server, asAdmin, user.id);
    expect(view.billingEvents.filter((entry) => entry.cause === created.id)).toHaveLength(1);
    expect(view.subscription).toMatchObject({ status: 'active', plan: subscriptionPlan.key });
    expect(features((await me(server, user)).entitlements)).toEqual(PAID_FEATURES);
  });

  /** A new user who has paid for a credit pack on Stripe's page; its events are not delivered yet. */
  async function buyerWithPaidPack(label: string) {
    const user = await signUp(server.url, label);
    return { user, ...(await payForCreditPack({ server, stripe }, user, priceOf(creditPlan, 'one_time'))) };
  }

  it("adds a credit pack's credits once when its checkout.session.completed arrives five times at once", async () => {
    const { user, completed } = await buyerWithPaidPack('concurrent-credits');

    await deliverConcurrently(completed);
    await processedOnce(completed.id);
    await eventually(async () => expect(await creditBalance(server, user)).toBe(100));
    await sleep(500);
    expect(await creditBalance(server, user)).toBe(100);
    const { credits } = await adminUser(server, asAdmin, user.id);
    expect(credits.balance).toBe(100);
    expect(credits.ledger).toEqual([expect.objectContaining({ delta: 100, balanceAfter: 100 })]);

    // Stripe retrying it later changes nothing either.
    await deliverConcurrently(completed);
    expect(await creditBalance(server, user)).toBe(100);
  });

  it('counts a credit pack once when the success page sync and the webhook both report it', async () => {
    const { user, sessionId, completion } = await buyerWithPaidPack('sync-and-webhook');

    const synced = await api(server)
      .post(`/v1/billing/checkout/${sessionId}/sync`)
      .set(bearer(user))
      .expect(200);
    expect(synced.body.credits).toEqual({ balance: 100 });
    await deliverAll(server, stripe, completion.events);
    await processedOnce(completion.event('checkout.session.completed').id);
    expect(await creditBalance(server, user)).toBe(100);
    const again = await api(server)
      .post(`/v1/billing/checkout/${sessionId}/sync`)
      .set(bearer(user))
      .expect(200);
    expect(again.body.credits).toEqual({ balance: 100 });
    expect((await adminUser(server, asAdmin, user.id)).credits.ledger).toHaveLength(1);
  });

  it('counts a credit pack once when success page syncs on both instances race its webhook', async () => {
    const { user, sessionId, completed } = await buyerWithPaidPack('racing-sync');
    // Holding the user's balance row makes every report of the purchase wait at the same point, past the
    // "counted already?" check, so that all of them race for the one ledger entry once it is let go.
    const holder = new Client({ connectionString: database.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      const account = `(SELECT id FROM accounts WHERE personal_user_id = $1)`;
      await holder.query(
        `INSERT INTO credit_balances (account_id, balance, updated_at) VALUES (${account}, 0, now())
         ON CONFLICT (account_id) DO NOTHING`,
        [user.id],
      );
      await holder.query(`SELECT 1 FROM credit_balances WHERE account_id = ${account} FOR UPDATE`, [user.id]);
      const syncs = Promise.all(
        instances.map((instance) =>
          api(instance).post(`/v1/billing/checkout/${sessionId}/sync`).set(bearer(user)),
        ),
      );
      const delivered = deliverConcurrently(completed);
      await eventually(async () => expect(await waitingOnLocks(holder)).toBeGreaterThanOrEqual(2));
      await holder.query('COMMIT');
      const [synced] = await Promise.all([syncs, delivered]);
      expect(synced.map((response) => [response.status, response.body.credits])).toEqual(
        Array(instances.length).fill([200, { balance: 100 }]),
      );
    } finally {
      await holder.end();
    }
    await processedOnce(completed.id);
    expect(await creditBalance(server, user)).toBe(100);
    expect((await adminUser(server, asAdmin, user.id)).credits.ledger).toEqual([
      expect.objectContaining({ delta: 100, balanceAfter: 100, reason: 'purchase' }),
    ]);
  });

  it('counts ten packs one buyer paid for at once, each once, and marks every event processed', async () => {
    const user = await signUp(server.url, 'ten-packs');
    const pack = priceOf(creditPlan, 'one_time');
    const paid = [];
    for (let index = 0; index < 10; index++)
      paid.push(await payForCreditPack({ server, stripe }, user, pack));

    const responses = await Promise.all(
      paid.map(({ completed }, index) => deliver(instanceFor(index), stripe, completed)),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200));
    for (const { completed } of paid) await processedOnce(completed.id);
    expect(await creditBalance(server, user)).toBe(1_000);
    const { ledger } = (await adminUser(server, asAdmin, user.id)).credits;
    expect(ledger).toHaveLength(10);
    // Each entry's balance is the one its own purchase left: 100, 200, … 1000 in some order.
    expect(
      ledger
        .map((entry: { balanceAfter: number }) => entry.balanceAfter)
        .sort((a: number, b: number) => a - b),
    ).toEqual(Array.from({ length: 10 }, (_, index) => (index + 1) * 100));
  });

  /** A new subscriber, and the customer.subscription.updated snapshots of a cancellation and its undoing. */
  async function cancelledThenUndone(label: string) {
    const user = await signUp(server.url, label);
    const { subscriptionId } = await subscribe({ server, stripe }, user, priceOf(subscriptionPlan, 'month'));
    const canceled = stripe.scenarios
      .cancelAtPeriodEnd(subscriptionId)
      .event('customer.subscription.updated');
    const undone = stripe.scenarios
      .undoCancelAtPeriodEnd(subscriptionId)
      .event('customer.subscription.updated');
    return { user, subscriptionId, canceled, undone };
  }

  it('keeps the newer state when an older customer.subscription.updated arrives last', async () => {
    const { user, subscriptionId, canceled, undone } = await cancelledThenUndone('out-of-order');
    const canceledAgain = stripe.scenarios
      .cancelAtPeriodEnd(subscriptionId)
      .event('customer.subscription.updated');
    expect(undone.data.object).toMatchObject({ cancel_at_period_end: false });
    expect(canceledAgain.data.object).toMatchObject({ cancel_at_period_end: true });

    await deliverAll(server, stripe, [canceledAgain]);
    await eventually(async () =>
      expect(await subscriptionOf(server, user)).toMatchObject({ cancelAtPeriodEnd: true }),
    );
    await deliverAll(server, stripe, [undone]);
    await processedOnce(undone.id);
    expect(await subscriptionOf(server, user)).toMatchObject({ status: 'active', cancelAtPeriodEnd: true });
    await deliverAll(server, stripe, [canceled]);
    await processedOnce(canceled.id);
    expect(await subscriptionOf(server, user)).toMatchObject({ status: 'active', cancelAtPeriodEnd: true });
  });

  it('keeps the newer state the other way round too: an undone cancellation stays undone', async () => {
    const { user, canceled, undone } = await cancelledThenUndone('out-of-order-undo');

    await deliverAll(server, stripe, [undone]);
    await processedOnce(undone.id);
    await deliverAll(server, stripe, [canceled]);
    await processedOnce(canceled.id);
    expect(await subscriptionOf(server, user)).toMatchObject({ status: 'active', cancelAtPeriodEnd: false });
  });

  it('keeps the newer state when Stripe answers an older fetch last', async () => {
    const user = await signUp(server.url, 'late-answer');
    const { subscriptionId } = await subscribe({ server, stripe }, user, priceOf(subscriptionPlan, 'month'));
    const canceled = stripe.scenarios
      .cancelAtPeriodEnd(subscriptionId)
      .event('customer.subscription.updated');
    // The first instance's fetch sees the cancellation, but its answer comes a second late.
    stripe.hangNext({
      method: 'GET',
      path: `/v1/subscriptions/${subscriptionId}`,
      delayMs: 1_000,
      afterProcessing: true,
    });
    const late = deliver(instances[0], stripe, canceled).then((response) => response.status);
    await eventually(() => Promise.resolve(expect(stripe.pendingFaults()).toBe(0)));

    // Meanwhile the cancellation is undone, and the second instance learns it first.
    const undone = stripe.scenarios
      .undoCancelAtPeriodEnd(subscriptionId)
      .event('customer.subscription.updated');
    await deliverAll(instances[1], stripe, [undone]);
    expect(await subscriptionOf(server, user)).toMatchObject({ status: 'active', cancelAtPeriodEnd: false });

    expect(await late).toBe(200);
    await processedOnce(canceled.id);
    expect(await subscriptionOf(server, user)).toMatchObject({ status: 'active', cancelAtPeriodEnd: false });
  });

  it('acknowledges, stores and ignores an event type it does not know', async () => {
    const event = {
      id: `evt_${randomUUID().replace(/-/g, '')}`,
      object: 'event',
      api_version: Stripe.API_VERSION,
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: `iauth_${randomUUID().replace(/-/g, '')}`, object: 'issuing.authorization' } },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type: 'issuing_authorization.created',
    };
    const response = await deliver(server, stripe, event).expect(200);
    expect(response.body).toEqual({ received: true });
    await processedOnce(event.id, 'ignored');
    const [stored] = await storedEvents(server, asAdmin, event.id);
    expect(stored).toMatchObject({ type: 'issuing_authorization.created', lastError: null });

    await deliver(instances[1], stripe, event).expect(200);
    expect(await storedEvents(server, asAdmin, event.id)).toHaveLength(1);
  });
});
