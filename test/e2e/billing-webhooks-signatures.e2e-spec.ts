import Stripe from 'stripe';

import { signUp, TestAccount } from '../support/accounts';
import {
  createPlan,
  creditBalance,
  creditPackPlan,
  eventually,
  payForCreditPack,
  PlanBody,
  priceOf,
  storedEvents,
  WEBHOOK_PATH,
  WEBHOOK_SECRET,
} from '../support/billing';
import { startBillingWorld, BillingWorld } from '../support/billing-world';
import { api, TestServer } from '../support/test-app';
import { EventObject, StripeDouble } from '../stripe-double';

const TOLERANCE_SECONDS = 300;

describe('webhook signatures: only what Stripe signed, recently, is taken', () => {
  let world: BillingWorld;
  let stripe: StripeDouble;
  let server: TestServer;
  let asAdmin: Record<string, string>;
  let creditPlan: PlanBody;

  beforeAll(async () => {
    world = await startBillingWorld();
    ({ stripe, server, asAdmin } = world);
    creditPlan = await createPlan(server, asAdmin, creditPackPlan());
  });
  afterAll(() => world?.stop());

  /** A paid credit pack whose checkout.session.completed has not been delivered: 100 credits at stake. */
  async function undeliveredPurchase(): Promise<{ user: TestAccount; event: EventObject }> {
    const user = await signUp(server.url, 'signatures');
    const { completed } = await payForCreditPack({ server, stripe }, user, priceOf(creditPlan, 'one_time'));
    return { user, event: completed };
  }

  function post(body: string, headers: Record<string, string>) {
    return api(server).post(WEBHOOK_PATH).set(headers).set('content-type', 'application/json').send(body);
  }

  async function expectRejected(
    response: Awaited<ReturnType<typeof post>>,
    user: TestAccount,
    ...eventIds: string[]
  ): Promise<void> {
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 400, code: 'invalid_signature' });
    for (const id of eventIds) expect(await storedEvents(server, asAdmin, id)).toEqual([]);
    expect(await creditBalance(server, user)).toBe(0);
  }

  const now = () => Math.floor(Date.now() / 1000);

  it('rejects an event signed with another secret', async () => {
    const { user, event } = await undeliveredPurchase();
    const { body, headers } = stripe.signedWebhook(event, 'whsec_not_this_endpoints_secret');
    await expectRejected(await post(body, headers), user, event.id);
  });

  it('rejects a signature older than the 300 s tolerance (a replayed delivery)', async () => {
    const { user, event } = await undeliveredPurchase();
    const { body, headers } = stripe.signedWebhook(event, WEBHOOK_SECRET, {
      timestamp: now() - TOLERANCE_SECONDS - 1,
    });
    await expectRejected(await post(body, headers), user, event.id);
  });

  it('rejects an event without a Stripe-Signature header, or with a malformed one', async () => {
    const { user, event } = await undeliveredPurchase();
    const { body, headers } = stripe.signedWebhook(event, WEBHOOK_SECRET);
    const { 'stripe-signature': _signature, ...unsigned } = headers;
    await expectRejected(await post(body, unsigned), user, event.id);
    await expectRejected(await post(body, { ...unsigned, 'stripe-signature': 'garbage' }), user, event.id);
    await expectRejected(
      await post(body, { ...unsigned, 'stripe-signature': `t=${now()},v1=${'0'.repeat(64)}` }),
      user,
      event.id,
    );
  });

  it('rejects a body changed after signing', async () => {
    const { user, event } = await undeliveredPurchase();
    const { body, headers } = stripe.signedWebhook(event, WEBHOOK_SECRET);
    const otherId = `${event.id}x`;
    const renamed = body.replace(event.id, otherId);
    expect(renamed).not.toBe(body);
    await expectRejected(await post(renamed, headers), user, event.id, otherId);
    const reformatted = JSON.stringify(JSON.parse(body));
    await expectRejected(await post(reformatted, headers), user, event.id);
  });

  it('accepts the same event genuinely signed, also a few minutes after signing, and applies it', async () => {
    const { user, event } = await undeliveredPurchase();
    const { body, headers } = stripe.signedWebhook(event, WEBHOOK_SECRET, { timestamp: now() - 240 });
    const response = await post(body, headers).expect(200);
    expect(response.body).toEqual({ received: true });
    await eventually(async () =>
      expect(await storedEvents(server, asAdmin, event.id)).toEqual([
        expect.objectContaining({ id: event.id, type: 'checkout.session.completed', status: 'processed' }),
      ]),
    );
    expect(await creditBalance(server, user)).toBe(100);
  });

  it('refuses a signed body that is not a Stripe event with 400, storing nothing', async () => {
    const { event } = await undeliveredPurchase();
    const notEvents: object[] = [
      { ...event, id: undefined },
      { ...event, id: 'evt_\u0000' },
      { ...event, id: `evt_${'x'.repeat(300)}` },
      { ...event, type: null },
      { ...event, created: 'yesterday' },
      { ...event, created: 1e20 },
    ];
    for (const notEvent of notEvents) {
      const { body, headers } = stripe.signedWebhook(notEvent, WEBHOOK_SECRET);
      const response = await post(body, headers);
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('validation_failed');
    }
    for (const notAnObject of ['null', '[]', '42']) {
      const { headers } = stripe.signedWebhook(event, WEBHOOK_SECRET);
      expect((await post(notAnObject, headers)).status).toBe(400);
    }
    expect(await storedEvents(server, asAdmin, event.id)).toEqual([]);
  });

  it('refuses a signed body that is not JSON, or holds a string that is not Unicode, with 400 malformed_json', async () => {
    const { event } = await undeliveredPurchase();
    const sign = (payload: string) =>
      Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
    const truncated = stripe.signedWebhook(event, WEBHOOK_SECRET).body.slice(0, -2);
    // JSON.stringify writes a lone surrogate as the escape \ud800, which JSON.parse reads back as one.
    const loneSurrogate = JSON.stringify({ ...event, metadata: { note: '\ud800' } });
    for (const body of [truncated, loneSurrogate]) {
      const response = await post(body, { 'stripe-signature': sign(body) });
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(response.body.code).toBe('malformed_json');
    }
    // Unsigned, the same bodies are not even parsed: the signature is what is refused.
    expect((await post(truncated, { 'stripe-signature': sign('{}') })).body.code).toBe('invalid_signature');
    expect(await storedEvents(server, asAdmin, event.id)).toEqual([]);
  });

  /** A signed event of a type the service does not handle, padded to about `bytes`. */
  function largeEvent(bytes: number) {
    const event = {
      id: `evt_large_${now()}_${bytes}`,
      object: 'event',
      type: 'customer.tax_id.created',
      api_version: '2025-01-01',
      created: now(),
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      data: { object: { id: 'txi_large', object: 'tax_id', metadata: { padding: 'x'.repeat(bytes) } } },
    };
    return { event, ...stripe.signedWebhook(event, WEBHOOK_SECRET) };
  }

  it('takes a signed event larger than the global body limit, up to 1 MiB', async () => {
    const { event, body, headers } = largeEvent(300 * 1024);
    expect(Buffer.byteLength(body)).toBeGreaterThan(300 * 1024);
    const response = await post(body, headers);
    expect(response.status).toBe(200);
    await eventually(async () =>
      expect(await storedEvents(server, asAdmin, event.id)).toEqual([
        expect.objectContaining({ id: event.id, type: event.type }),
      ]),
    );

    const tooLarge = largeEvent(1024 * 1024);
    const refused = await post(tooLarge.body, tooLarge.headers);
    expect(refused.status).toBe(413);
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(await storedEvents(server, asAdmin, tooLarge.event.id)).toEqual([]);

    // Every other route keeps the global limit.
    const login = await api(server)
      .post('/v1/auth/login')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ email: 'large@example.test', password: 'x'.repeat(200 * 1024) }));
    expect(login.status).toBe(413);
    expect(login.headers['content-type']).toMatch(/application\/problem\+json/);
  });
});
