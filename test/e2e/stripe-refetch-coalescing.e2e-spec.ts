import { randomUUID } from 'node:crypto';

import { signUp, TestAccount } from '../support/accounts';
import {
  createPlan,
  deliver,
  eventually,
  isoFromUnix,
  PlanBody,
  priceOf,
  storedEvents,
  subscribe,
  subscriptionOf,
} from '../support/billing';
import { BillingWorld, startBillingWorld } from '../support/billing-world';
import { must } from '../support/must';
import { TestServer } from '../support/test-app';
import { EventObject, StripeDouble, SubscriptionObject } from '../stripe-double';

const EVENTS_OF_EACH_KIND = 10;

/**
 * Stripe sends a burst of distinct events about one subscription at a period boundary; the handlers
 * re-fetch the subscription (and the invoice) for each. These are such events, with ids of their own.
 */
function burstOf(event: EventObject, copies: number): EventObject[] {
  return Array.from({ length: copies }, () => ({ ...event, id: `evt_${randomUUID().replace(/-/g, '')}` }));
}

function shuffled<T>(items: T[]): T[] {
  return items
    .map((item) => ({ item, key: Math.random() }))
    .sort((a, b) => a.key - b.key)
    .map(({ item }) => item);
}

describe('re-fetches from Stripe are coalesced per subscription and per invoice', () => {
  let world: BillingWorld;
  let stripe: StripeDouble;
  let server: TestServer;
  let asAdmin: Record<string, string>;
  let plan: PlanBody;

  beforeAll(async () => {
    world = await startBillingWorld();
    ({ stripe, server, asAdmin } = world);
    plan = await createPlan(server, asAdmin);
  });
  afterEach(() => stripe.behaveInstantly());
  afterAll(() => world?.stop());

  async function subscribed(): Promise<{ user: TestAccount; subscriptionId: string }> {
    const user = await signUp(server.url, 'coalescing');
    const { subscriptionId } = await subscribe({ server, stripe }, user, priceOf(plan, 'month'));
    return { user, subscriptionId };
  }

  async function allProcessed(events: EventObject[]): Promise<void> {
    await eventually(async () => {
      const rows = await Promise.all(events.map((event) => storedEvents(server, asAdmin, event.id)));
      expect(rows.map((stored) => stored.map((row) => row.status))).toEqual(events.map(() => ['processed']));
    }, 15_000);
  }

  async function expectStoredAsStripeHasIt(user: TestAccount, subscriptionId: string): Promise<void> {
    const remote = must(stripe.retrieve<SubscriptionObject>(subscriptionId), 'the subscription at Stripe');
    const item = must(remote.items.data[0], 'its item');
    expect(await subscriptionOf(server, user)).toMatchObject({
      status: remote.status,
      cancelAtPeriodEnd: remote.cancel_at_period_end,
      currentPeriodEnd: isoFromUnix(item.current_period_end),
      quantity: item.quantity,
    });
  }

  it('fetches the subscription at most twice (its invoice at most three times) for 20 events at once to a slow Stripe', async () => {
    const { user, subscriptionId } = await subscribed();
    const renewal = stripe.scenarios.renewSubscription(subscriptionId, { paymentSucceeds: true });
    const invoiceId = must(renewal.invoice, 'the renewal invoice').id;
    const canceling = stripe.scenarios.cancelAtPeriodEnd(subscriptionId);
    const events = shuffled([
      ...burstOf(canceling.event('customer.subscription.updated'), EVENTS_OF_EACH_KIND),
      ...burstOf(renewal.event('invoice.paid'), EVENTS_OF_EACH_KIND),
    ]);
    stripe.clearRequests();
    stripe.behaveLikeStripe({ latencyMs: [400, 500] });

    const responses = await Promise.all(events.map((event) => deliver(server, stripe, event)));
    expect(responses.map((response) => response.status)).toEqual(events.map(() => 200));
    await allProcessed(events);

    const subscriptionFetches = stripe.requests({
      method: 'GET',
      path: `/v1/subscriptions/${subscriptionId}`,
    });
    const invoiceFetches = stripe.requests({ method: 'GET', path: `/v1/invoices/${invoiceId}` });
    // One fetch per event without coalescing: 20 and 10.
    expect(subscriptionFetches.length).toBeGreaterThanOrEqual(1);
    expect(subscriptionFetches.length).toBeLessThanOrEqual(2);
    // An invoice.paid re-syncs the subscription before its invoice, and those applies run one at a time,
    // so the invoice syncs of a burst do not arrive at once: the event that started the first
    // subscription fetch may fetch its invoice alone, and the others, arriving one apply after another,
    // share up to two more (each caller needs a fetch sent after it asked).
    expect(invoiceFetches.length).toBeGreaterThanOrEqual(1);
    expect(invoiceFetches.length).toBeLessThanOrEqual(3);
    expect(stripe.requests().length).toBe(subscriptionFetches.length + invoiceFetches.length);
    await expectStoredAsStripeHasIt(user, subscriptionId);
  });

  it('gives an event that arrives while a fetch is in flight a fetch sent after it', async () => {
    const { user, subscriptionId } = await subscribed();
    const first = stripe.scenarios.cancelAtPeriodEnd(subscriptionId).event('customer.subscription.updated');
    stripe.clearRequests();
    stripe.behaveLikeStripe({ latencyMs: 600 });

    const firstDelivery = deliver(server, stripe, first).then((response) => response.status);
    // The double reads Stripe's state when the fetch arrives, and answers 600 ms later: with the
    // subscription still set to cancel. The customer undoes the cancellation meanwhile.
    await eventually(() => {
      expect(stripe.requests({ method: 'GET', path: '/v1/subscriptions/:id' }).length).toBe(1);
      return Promise.resolve();
    });
    const second = stripe.scenarios
      .undoCancelAtPeriodEnd(subscriptionId)
      .event('customer.subscription.updated');
    const secondDelivery = deliver(server, stripe, second).then((response) => response.status);
    expect([await firstDelivery, await secondDelivery]).toEqual([200, 200]);
    await allProcessed([first, second]);

    expect(stripe.requests({ method: 'GET', path: '/v1/subscriptions/:id' }).length).toBe(2);
    expect(await subscriptionOf(server, user)).toMatchObject({ cancelAtPeriodEnd: false });
    await expectStoredAsStripeHasIt(user, subscriptionId);
  });
});
