import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';

import { signUp, TestAccount } from '../support/accounts';
import {
  checkout,
  createPlan,
  creditBalance,
  creditPackPlan,
  deliverAll,
  eventually,
  PriceBody,
  priceOf,
  sleep,
  storedEvents,
} from '../support/billing';
import { must } from '../support/must';
import { TestServer } from '../support/test-app';
import { BillingWorld, startBillingWorld } from '../support/billing-world';
import { CheckoutSessionObject, EventObject, StripeDouble } from '../stripe-double';

const PACK_CREDITS = 5;

describe('checkout.session.completed is fulfilled from Stripe, for customers the service created', () => {
  let world: BillingWorld;
  let stripe: StripeDouble;
  let client: Stripe;
  let server: TestServer;
  let asAdmin: Record<string, string>;
  let pack: PriceBody;

  beforeAll(async () => {
    world = await startBillingWorld();
    ({ stripe, server, asAdmin } = world);
    client = stripe.createClient();
    pack = priceOf(await createPlan(server, asAdmin, creditPackPlan(undefined, PACK_CREDITS)), 'one_time');
  });
  afterAll(() => world?.stop());

  /** A pack paid on Stripe through a session the service did not create; its events, undelivered. */
  async function paidElsewhere(customer: string, namedUser: TestAccount): Promise<EventObject[]> {
    const session = await client.checkout.sessions.create({
      mode: 'payment',
      customer,
      client_reference_id: namedUser.id,
      metadata: { userId: namedUser.id, priceId: pack.id },
      line_items: [{ price: pack.stripePriceId, quantity: 1 }],
      success_url: 'https://elsewhere.example/success',
    });
    const completion = stripe.scenarios.completeCheckoutSession(session.id);
    expect(completion.session.payment_status).toBe('paid');
    return completion.events;
  }

  async function expectIgnored(events: EventObject[]): Promise<void> {
    const completed = events.find((event) => event.type === 'checkout.session.completed')!;
    await eventually(async () =>
      expect(await storedEvents(server, asAdmin, completed.id)).toEqual([
        expect.objectContaining({ status: 'ignored' }),
      ]),
    );
  }

  /** The customer the service puts on this user's next checkout. */
  async function customerOfNextCheckout(user: TestAccount): Promise<string> {
    stripe.clearRequests();
    await checkout(server, user, pack.id);
    const created = must(stripe.requests({ method: 'POST', path: '/v1/checkout/sessions' })[0], 'a checkout');
    return created.body.customer as string;
  }

  it('neither binds nor credits a user named by a paid session of a customer the service never created', async () => {
    const user = await signUp(server.url, 'named');
    const foreign = await client.customers.create({
      email: 'someone@elsewhere.example',
      metadata: { userId: user.id },
    });

    const events = await paidElsewhere(foreign.id, user);
    await deliverAll(server, stripe, events);
    await expectIgnored(events);

    expect(await creditBalance(server, user)).toBe(0);
    expect(await customerOfNextCheckout(user)).not.toBe(foreign.id);
  });

  it("credits nobody when a paid session on one user's customer names another user", async () => {
    const owner = await signUp(server.url, 'owner');
    const named = await signUp(server.url, 'named-other');
    const ownersCustomer = await customerOfNextCheckout(owner);

    const events = await paidElsewhere(ownersCustomer, named);
    await deliverAll(server, stripe, events);
    await expectIgnored(events);

    expect(await creditBalance(server, owner)).toBe(0);
    expect(await creditBalance(server, named)).toBe(0);
    expect(await customerOfNextCheckout(named)).not.toBe(ownersCustomer);
  });

  it('credits nothing for a signed payload that claims paid while Stripe has the session unpaid; the genuine event credits once', async () => {
    const user = await signUp(server.url, 'forged');
    const session = await checkout(server, user, pack.id);
    const open = stripe.retrieve(session.id) as CheckoutSessionObject;
    expect(open.payment_status).toBe('unpaid');
    const forged = {
      id: `evt_${randomUUID().replace(/-/g, '')}`,
      object: 'event',
      api_version: Stripe.API_VERSION,
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type: 'checkout.session.completed',
      data: { object: { ...open, status: 'complete', payment_status: 'paid', payment_intent: 'pi_forged' } },
    };
    await deliverAll(server, stripe, [forged]);
    await sleep(300);
    expect(await creditBalance(server, user)).toBe(0);

    const genuine = stripe.scenarios.completeCheckoutSession(session.id);
    await deliverAll(server, stripe, genuine.events);
    await eventually(async () => expect(await creditBalance(server, user)).toBe(PACK_CREDITS));
    // The same claim under a new event id: the session is paid now, and was counted once already.
    await deliverAll(server, stripe, [{ ...forged, id: `evt_${randomUUID().replace(/-/g, '')}` }]);
    await sleep(300);
    expect(await creditBalance(server, user)).toBe(PACK_CREDITS);
  });
});
