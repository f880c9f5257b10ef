import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Stripe from 'stripe';
import { must } from '../support/must';
import { ScenarioError, StripeDouble, type EventObject } from './index';

const WEBHOOK_SECRET = 'whsec_stripe_double_self_test';

describe('StripeDouble, driven by the real stripe client', () => {
  let double: StripeDouble;
  let stripe: Stripe;

  beforeAll(async () => {
    double = await StripeDouble.start();
  });

  afterAll(async () => {
    await double.stop();
  });

  beforeEach(() => {
    double.reset();
    stripe = new Stripe('sk_test_self_test', { ...double.clientOptions(), maxNetworkRetries: 0 });
  });

  async function createPlan() {
    const product = await stripe.products.create({ name: 'Pro', metadata: { tier: 'pro' } });
    const monthly = await stripe.prices.create({
      product: product.id,
      unit_amount: 2000,
      currency: 'usd',
      recurring: { interval: 'month' },
      metadata: { plan: 'pro-monthly' },
    });
    const yearly = await stripe.prices.create({
      product: product.id,
      unit_amount: 20000,
      currency: 'usd',
      recurring: { interval: 'year' },
    });
    return { product, monthly, yearly };
  }

  async function subscribe(
    options: Parameters<StripeDouble['scenarios']['completeCheckoutSession']>[1] = {},
  ) {
    const plan = await createPlan();
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      line_items: [{ price: plan.monthly.id, quantity: 1 }],
      success_url: 'https://app.example/billing/success',
      cancel_url: 'https://app.example/billing/cancel',
      client_reference_id: 'user_42',
      metadata: { userId: 'user_42' },
      subscription_data: { metadata: { userId: 'user_42' } },
    });
    const completion = double.scenarios.completeCheckoutSession(session.id, options);
    const subscription = must(completion.subscription, 'the subscription of the checkout');
    return { ...plan, session, completion, subscription, item: must(subscription.items.data[0], 'its item') };
  }

  function verify(event: EventObject): Stripe.Event {
    const { body, headers } = double.signedWebhook(event, WEBHOOK_SECRET);
    return stripe.webhooks.constructEvent(body, headers['stripe-signature'], WEBHOOK_SECRET);
  }

  describe('catalog', () => {
    it('creates a product with monthly and yearly prices shaped like Stripe objects', async () => {
      const { product, monthly, yearly } = await createPlan();

      expect(product).toMatchObject({ object: 'product', active: true, name: 'Pro', livemode: false });
      expect(product.id).toMatch(/^prod_\w{14}$/);
      expect(monthly).toMatchObject({
        object: 'price',
        product: product.id,
        currency: 'usd',
        unit_amount: 2000,
        type: 'recurring',
        recurring: { interval: 'month', interval_count: 1, usage_type: 'licensed' },
        metadata: { plan: 'pro-monthly' },
      });
      expect(monthly.id).toMatch(/^price_1\w{23}$/);
      // stripe-node turns decimal strings into Decimal objects; the wire value is "2000".
      expect(String(monthly.unit_amount_decimal)).toBe('2000');
      expect(yearly.recurring?.interval).toBe('year');
      expect(yearly.unit_amount).toBe(20000);
      expect(Math.abs(monthly.created - Date.now() / 1000)).toBeLessThan(5);
      expect(await stripe.prices.retrieve(monthly.id)).toEqual(monthly);
    });

    it('decodes bracket-notation bodies into the request log', async () => {
      await createPlan();

      const request = double.lastRequest({ method: 'POST', path: '/v1/prices' });
      expect(request?.body).toEqual({
        product: expect.stringMatching(/^prod_/),
        unit_amount: '20000',
        currency: 'usd',
        recurring: { interval: 'year' },
      });
      expect(request?.headers.authorization).toBe('Bearer sk_test_self_test');
      expect(request?.headers['stripe-version']).toBe(Stripe.API_VERSION);
      expect(request?.idempotencyKey).toMatch(/^stripe-node-retry-/);
      expect(double.requests({ path: '/v1/prices' })).toHaveLength(2);
      double.clearRequests();
      expect(double.requests()).toHaveLength(0);
    });

    it('lists and filters products and prices, archiving with active=false', async () => {
      const { product, monthly, yearly } = await createPlan();
      const other = await stripe.products.create({ name: 'Legacy' });
      await stripe.prices.create({ product: other.id, unit_amount: 500, currency: 'usd' });

      expect((await stripe.prices.list({ product: product.id })).data.map((p) => p.id)).toEqual([
        yearly.id,
        monthly.id,
      ]);
      await stripe.prices.update(yearly.id, { active: false });
      await stripe.products.update(other.id, { active: false });

      const activePrices = await stripe.prices.list({ product: product.id, active: true });
      expect(activePrices).toMatchObject({ object: 'list', has_more: false, url: '/v1/prices' });
      expect(activePrices.data.map((p) => p.id)).toEqual([monthly.id]);
      expect((await stripe.products.list({ active: true })).data.map((p) => p.id)).toEqual([product.id]);
      const firstPage = await stripe.prices.list({ limit: 2 });
      const secondPage = await stripe.prices.list({
        limit: 2,
        starting_after: must(firstPage.data[1], 'a second price').id,
      });
      expect(firstPage.has_more).toBe(true);
      expect(secondPage.data.map((p) => p.id)).toEqual([monthly.id]);
      expect(secondPage.has_more).toBe(false);
      const everyPrice: string[] = [];
      for await (const price of stripe.prices.list({ limit: 1 })) everyPrice.push(price.id);
      expect(everyPrice).toHaveLength(3);
    });
  });

  describe('customers', () => {
    it('finds, updates and deletes customers, canceling their subscriptions', async () => {
      const { subscription } = await subscribe();
      const customerId = subscription.customer;
      await stripe.customers.update(customerId, { metadata: { userId: 'user_42' } });
      const other = await stripe.customers.create({ email: 'other@example.com' });

      const found = await stripe.customers.search({ query: "metadata['userId']:'user_42'" });
      expect(found.data.map((c) => c.id)).toEqual([customerId]);
      expect((await stripe.customers.list({ email: 'other@example.com' })).data).toEqual([other]);
      const [update] = double.events({ type: 'customer.updated' });
      expect(update?.data.previous_attributes).toEqual({
        metadata: { userId: null },
      });

      await expect(stripe.customers.del(customerId)).resolves.toMatchObject({ deleted: true });
      expect(await stripe.customers.retrieve(customerId)).toMatchObject({ deleted: true });
      expect(double.retrieve(subscription.id)).toMatchObject({ status: 'canceled' });
      expect(
        double
          .events()
          .map((e) => e.type)
          .slice(-2),
      ).toEqual(['customer.subscription.deleted', 'customer.deleted']);
    });

    it('accepts only the configured key when started with apiKey', async () => {
      const strict = await StripeDouble.start({ apiKey: 'sk_test_expected' });
      try {
        const wrongKey = new Stripe('sk_test_other', { ...strict.clientOptions(), maxNetworkRetries: 0 });
        await expect(wrongKey.customers.list()).rejects.toMatchObject({ statusCode: 401 });
        await expect(strict.createClient().customers.list()).resolves.toMatchObject({ data: [] });
      } finally {
        await strict.stop();
      }
    });
  });

  describe('validation and errors', () => {
    it('answers a missing required param with 400 invalid_request_error naming the param', async () => {
      const error = await stripe.products.create({} as Stripe.ProductCreateParams).catch((e) => e);

      expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(error).toMatchObject({ statusCode: 400, param: 'name', code: 'parameter_missing' });
    });

    it('rejects unknown params and unknown ids like Stripe', async () => {
      const unknown = await stripe.customers
        .create({ emial: 'typo@example.com' } as Stripe.CustomerCreateParams)
        .catch((e) => e);
      const missing = await stripe.customers.retrieve('cus_doesnotexist').catch((e) => e);

      expect(unknown).toMatchObject({ statusCode: 400, code: 'parameter_unknown', param: 'emial' });
      expect(missing).toMatchObject({
        statusCode: 404,
        code: 'resource_missing',
        message: "No such customer: 'cus_doesnotexist'",
      });
    });

    it('answers unknown routes with a Stripe-shaped 404 and bad keys with 401', async () => {
      const notFound = await fetch(`${double.url}/v1/widgets`, {
        headers: { authorization: 'Bearer sk_test_x' },
      });
      const noKey = await fetch(`${double.url}/v1/customers`);
      const liveKey = new Stripe('sk_live_nope', { ...double.clientOptions(), maxNetworkRetries: 0 });

      expect(notFound.status).toBe(404);
      expect(((await notFound.json()) as { error: unknown }).error).toMatchObject({
        type: 'invalid_request_error',
        message: expect.stringContaining('Unrecognized request URL (GET: /v1/widgets)'),
      });
      expect(noKey.status).toBe(401);
      await expect(liveKey.customers.list()).rejects.toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    });

    it('leaves nothing behind when a request fails validation midway', async () => {
      const error = await stripe.prices
        .create({
          currency: 'usd',
          unit_amount: 100,
          product_data: { name: 'Half-made' },
          recurring: { interval: 'fortnight' as 'week' },
        })
        .catch((e) => e);

      expect(error).toMatchObject({ statusCode: 400, param: 'recurring[interval]' });
      expect((await stripe.products.list()).data).toHaveLength(0);
      expect(double.events()).toHaveLength(0);
    });
  });

  describe('idempotency', () => {
    it('replays the stored response for a repeated Idempotency-Key and creates nothing', async () => {
      const first = await stripe.customers.create({ email: 'a@example.com' }, { idempotencyKey: 'signup-1' });
      const again = await stripe.customers.create({ email: 'a@example.com' }, { idempotencyKey: 'signup-1' });

      expect(again.id).toBe(first.id);
      expect((await stripe.customers.list()).data).toHaveLength(1);
      expect(double.requests({ method: 'POST' }).map((r) => r.idempotentReplay)).toEqual([false, true]);
      expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    });

    it('refuses a reused key with different parameters', async () => {
      await stripe.customers.create({ email: 'a@example.com' }, { idempotencyKey: 'k1' });
      const error = await stripe.customers
        .create({ email: 'b@example.com' }, { idempotencyKey: 'k1' })
        .catch((e) => e);

      expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    });

    it('turns a client timeout and automatic retry into exactly one product', async () => {
      const impatient = new Stripe('sk_test_self_test', {
        ...double.clientOptions(),
        timeout: 200,
        maxNetworkRetries: 1,
      });
      double.hangNext({ method: 'POST', path: '/v1/products', afterProcessing: true });

      const product = await impatient.products.create({ name: 'Once' });

      const attempts = double.requests({ method: 'POST', path: '/v1/products' });
      expect(attempts).toHaveLength(2);
      const [first, retry] = [must(attempts[0], 'a first attempt'), must(attempts[1], 'a retry')];
      expect(first.fault).toBe('hang');
      expect(first.status).toBeUndefined();
      expect(retry).toMatchObject({ idempotentReplay: true, status: 200 });
      expect(retry.idempotencyKey).toBe(first.idempotencyKey);
      expect((await stripe.products.list()).data.map((p) => p.id)).toEqual([product.id]);
    });
  });

  describe('fault switches', () => {
    it('fails the next matching request with a Stripe error body, once', async () => {
      double.failNext({ status: 500, method: 'POST', path: '/v1/customers' });

      const error = await stripe.customers.create({ email: 'x@example.com' }).catch((e) => e);
      expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
      expect(error.statusCode).toBe(500);
      expect(error.message).toMatch(/unknown error/);
      await expect(stripe.customers.create({ email: 'x@example.com' })).resolves.toBeDefined();
      expect(double.pendingFaults()).toBe(0);
    });

    it('only intercepts requests matching the method and path pattern', async () => {
      const { product } = await createPlan();
      double.failNext({
        status: 402,
        path: '/v1/products/:id',
        error: { decline_code: 'insufficient_funds' },
      });

      await expect(stripe.prices.list()).resolves.toBeDefined();
      const error = await stripe.products.retrieve(product.id).catch((e) => e);
      expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
      expect(error.decline_code).toBe('insufficient_funds');
    });

    it('drops connections so the client reports a StripeConnectionError', async () => {
      // stripe-node retries a reset connection once on its own, so drop two.
      double.dropNext({ times: 2 });

      const error = await stripe.customers.create({ email: 'x@example.com' }).catch((e) => e);
      expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
      expect(double.requests().map((r) => r.fault)).toEqual(['drop', 'drop']);
      expect((await stripe.customers.list()).data).toHaveLength(0);
    });

    it('answers late with delayMs, and clearFaults disarms everything', async () => {
      double.hangNext({ delayMs: 150 });
      const started = Date.now();
      await stripe.customers.list();
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);

      double.failNext({ status: 503, times: 3 });
      expect(double.pendingFaults()).toBe(3);
      double.clearFaults();
      await expect(stripe.customers.list()).resolves.toBeDefined();
    });
  });

  describe('behaving like Stripe under load', () => {
    it('answers every request after a latency in the range, and takes effect on arrival', async () => {
      double.behaveLikeStripe({ latencyMs: [80, 120] });
      const started = Date.now();
      await stripe.customers.create({ email: 'slow@example.com' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(75);
      const create = must(double.lastRequest({ method: 'POST', path: '/v1/customers' }), 'the create');
      const answeredAfter = must(create.answeredAt, 'answeredAt').getTime() - create.receivedAt.getTime();
      expect(answeredAfter).toBeGreaterThanOrEqual(79);
      expect(answeredAfter).toBeLessThan(200);
    });

    it('answers requests beyond maxRps in one second 429 as Stripe does, which stripe-node does not retry', async () => {
      double.behaveLikeStripe({ maxRps: 5 });
      const retrying = new Stripe('sk_test_self_test', { ...double.clientOptions(), maxNetworkRetries: 2 });
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, () => retrying.customers.list().catch((error: unknown) => error)),
      );

      const refused = outcomes.filter((outcome) => outcome instanceof Stripe.errors.StripeRateLimitError);
      expect(refused).toHaveLength(3);
      const error = refused[0] as InstanceType<typeof Stripe.errors.StripeRateLimitError>;
      expect(error.statusCode).toBe(429);
      expect(error.code).toBe('rate_limit');
      expect(error.type).toBe('StripeRateLimitError');
      expect(error.headers?.['stripe-rate-limited-reason']).toBe('global-rate');
      expect(error.headers?.['stripe-should-retry']).toBeUndefined();
      expect(double.traffic()).toMatchObject({
        requests: 8,
        rateLimited: 3,
        peakPerSecond: 8,
        peakAcceptedPerSecond: 5,
        perSecond: [8],
      });
      expect(double.requests().filter((request) => request.rateLimited === 'global-rate')).toHaveLength(3);
    });

    it('refuses nothing once the second has passed, and a refused write changes nothing', async () => {
      double.behaveLikeStripe({ maxRps: 1 });
      await stripe.customers.create({ email: 'first@example.com' });
      const refused = await stripe.customers.create({ email: 'second@example.com' }).catch((e) => e);
      expect(refused).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const { data } = await stripe.customers.list();
      expect(data.map((customer) => customer.email)).toEqual(['first@example.com']);
    });

    it('limits each endpoint (a method and route) on its own with maxRpsPerEndpoint', async () => {
      const customer = await stripe.customers.create({ email: 'x@example.com' });
      double.behaveLikeStripe({ maxRpsPerEndpoint: 2 });
      const retrieves = await Promise.all(
        [1, 2, 3].map(() => stripe.customers.retrieve(customer.id).catch((error: unknown) => error)),
      );
      expect(
        retrieves.filter((outcome) => outcome instanceof Stripe.errors.StripeRateLimitError),
      ).toHaveLength(1);
      await expect(stripe.customers.list()).resolves.toBeDefined();
      expect(double.lastRequest({ path: '/v1/customers/:id', method: 'GET' })?.status).toBe(429);
      expect(double.requests({ path: '/v1/customers/:id' }).find((r) => r.rateLimited)?.rateLimited).toBe(
        'endpoint-rate',
      );
    });

    it('answers at once again after behaveInstantly() or reset()', async () => {
      double.behaveLikeStripe({ latencyMs: 400, maxRps: 1 });
      double.behaveInstantly();
      const started = Date.now();
      await Promise.all([stripe.customers.list(), stripe.customers.list()]);
      expect(Date.now() - started).toBeLessThan(300);

      double.behaveLikeStripe({ maxRps: 1 });
      double.reset();
      await expect(Promise.all([stripe.customers.list(), stripe.customers.list()])).resolves.toHaveLength(2);
      expect(() => double.behaveLikeStripe({ maxRps: 0 })).toThrow(/positive integer/);
      expect(() => double.behaveLikeStripe({ latencyMs: [300, 80] })).toThrow(/range/);
    });
  });

  describe('checkout', () => {
    it('round-trips a subscription session and expands subscription and line items', async () => {
      const { session, monthly } = await subscribe();
      expect(session).toMatchObject({
        object: 'checkout.session',
        mode: 'subscription',
        status: 'open',
        payment_status: 'unpaid',
        amount_total: 2000,
        client_reference_id: 'user_42',
        subscription: null,
      });
      expect(session.id).toMatch(/^cs_test_/);
      expect(session.url).toBe(`https://checkout.stripe.com/c/pay/${session.id}`);

      const completed = await stripe.checkout.sessions.retrieve(session.id, {
        expand: ['subscription', 'line_items'],
      });

      expect(completed).toMatchObject({ status: 'complete', payment_status: 'paid' });
      const subscription = completed.subscription as Stripe.Subscription;
      expect(subscription).toMatchObject({
        object: 'subscription',
        status: 'active',
        customer: completed.customer,
        metadata: { userId: 'user_42' },
      });
      const item = must(subscription.items.data[0], 'a subscription item');
      expect(item.price.id).toBe(monthly.id);
      expect(item.current_period_end - item.current_period_start).toBeGreaterThanOrEqual(28 * 86400);
      expect(completed.line_items?.data[0]).toMatchObject({ quantity: 1, amount_total: 2000 });
      const invoice = await stripe.invoices.retrieve(subscription.latest_invoice as string);
      expect(invoice).toMatchObject({
        status: 'paid',
        amount_paid: 2000,
        billing_reason: 'subscription_create',
        parent: { subscription_details: { subscription: subscription.id } },
      });
    });

    it('pays a payment-mode session with a payment intent and charge, then refunds it', async () => {
      const product = await stripe.products.create({ name: 'Credits' });
      const price = await stripe.prices.create({ product: product.id, unit_amount: 1500, currency: 'usd' });
      const session = await stripe.checkout.sessions.create({
        mode: 'payment',
        line_items: [{ price: price.id, quantity: 2 }],
        success_url: 'https://app.example/ok',
        payment_intent_data: { metadata: { orderId: 'o_1' } },
      });

      const { charge, paymentIntent, events } = double.scenarios.completeCheckoutSession(session.id);
      expect(events.map((e) => e.type)).toEqual([
        'payment_intent.created',
        'charge.succeeded',
        'payment_intent.succeeded',
        'checkout.session.completed',
      ]);
      const retrieved = await stripe.checkout.sessions.retrieve(session.id);
      expect(retrieved).toMatchObject({ payment_status: 'paid', payment_intent: paymentIntent!.id });
      expect(await stripe.paymentIntents.retrieve(paymentIntent!.id)).toMatchObject({
        status: 'succeeded',
        amount: 3000,
        metadata: { orderId: 'o_1' },
        latest_charge: charge!.id,
      });

      const refund = double.scenarios.refundCharge(charge!.id, { amount: 1000 });
      const refunded = verify(refund.event('charge.refunded'));
      expect(refunded.data.object).toMatchObject({ amount_refunded: 1000, refunded: false });
      expect(refunded.data.previous_attributes).toEqual({ amount_refunded: 0 });
      expect(refund.refund).toMatchObject({ object: 'refund', amount: 1000, status: 'succeeded' });
    });

    it('rejects a recurring price in payment mode', async () => {
      const { monthly } = await createPlan();
      const error = await stripe.checkout.sessions
        .create({ mode: 'payment', line_items: [{ price: monthly.id, quantity: 1 }] })
        .catch((e) => e);

      expect(error).toMatchObject({ statusCode: 400, param: 'line_items' });
    });

    it('completes an incomplete subscription once its delayed payment clears', async () => {
      const { session, completion } = await subscribe({ subscriptionStatus: 'incomplete' });
      expect(completion.session.payment_status).toBe('unpaid');
      expect(completion.subscription?.status).toBe('incomplete');

      const paid = double.scenarios.payInvoice(completion.invoice!.id);

      expect(paid.subscription?.status).toBe('active');
      expect(paid.event('customer.subscription.updated').data.previous_attributes).toMatchObject({
        status: 'incomplete',
      });
      expect(paid.event('checkout.session.async_payment_succeeded').data.object).toMatchObject({
        id: session.id,
        payment_status: 'paid',
      });
    });

    it('leaves the subscription incomplete when 3-D Secure is never completed', async () => {
      const { completion } = await subscribe({
        subscriptionStatus: 'incomplete',
        abandonAuthentication: true,
      });
      expect(completion.subscription?.status).toBe('incomplete');
      expect(completion.paymentIntent).toMatchObject({
        status: 'requires_action',
        next_action: { type: 'use_stripe_sdk' },
        latest_charge: null,
      });
      expect(completion.event('invoice.payment_action_required').data.object).toMatchObject({
        id: completion.invoice!.id,
        status: 'open',
        amount_paid: 0,
      });
      const invoice = await stripe.invoices.retrieve(completion.invoice!.id, { expand: ['payments'] });
      expect(invoice.payments?.data[0]).toMatchObject({
        status: 'open',
        payment: { payment_intent: completion.paymentIntent!.id },
      });
      const canceled = await stripe.subscriptions.cancel(completion.subscription!.id);
      expect(canceled.status).toBe('canceled');
    });

    it('expires open sessions (checkout.session.expired) and lists them by customer and status', async () => {
      const { monthly } = await createPlan();
      const customer = await stripe.customers.create({ email: 'jenny@example.com' });
      const create = () =>
        stripe.checkout.sessions.create({
          mode: 'subscription',
          customer: customer.id,
          line_items: [{ price: monthly.id, quantity: 1 }],
          success_url: 'https://app.example/ok',
        });
      const [first, second, third] = [await create(), await create(), await create()];
      double.scenarios.completeCheckoutSession(third.id);

      const open = await stripe.checkout.sessions.list({ customer: customer.id, status: 'open' });
      expect(open.data.map((session) => session.id)).toEqual([second.id, first.id]);

      const expired = await stripe.checkout.sessions.expire(first.id);
      expect(expired).toMatchObject({ id: first.id, status: 'expired', url: null });
      expect(
        double.events({ type: 'checkout.session.expired' }).map((event) => event.data.object.id),
      ).toEqual([first.id]);
      for (const done of [first.id, third.id]) {
        const error = await stripe.checkout.sessions.expire(done).catch((e: unknown) => e);
        expect(error).toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 400 });
        expect((error as Error).message).toMatch(
          /Only Checkout Sessions with a status in \["open"\] can be expired/,
        );
      }
      expect(() => double.scenarios.completeCheckoutSession(first.id)).toThrow(ScenarioError);
      expect(
        (await stripe.checkout.sessions.list({ customer: customer.id, status: 'open' })).data,
      ).toHaveLength(1);
    });

    it('takes promotion codes and Stripe Tax settings, with Stripe’s rules for an existing customer', async () => {
      const { monthly } = await createPlan();
      const customer = await stripe.customers.create({ email: 'jenny@example.com' });
      const base = {
        mode: 'subscription' as const,
        customer: customer.id,
        line_items: [{ price: monthly.id, quantity: 1 }],
        success_url: 'https://app.example/ok',
      };
      const taxed = await stripe.checkout.sessions.create({
        ...base,
        allow_promotion_codes: true,
        automatic_tax: { enabled: true },
        billing_address_collection: 'required',
        tax_id_collection: { enabled: true },
        customer_update: { address: 'auto', name: 'auto' },
      });
      expect(taxed).toMatchObject({
        allow_promotion_codes: true,
        automatic_tax: { enabled: true, provider: 'stripe' },
        billing_address_collection: 'required',
        tax_id_collection: { enabled: true, required: 'never' },
      });
      const plain = await stripe.checkout.sessions.create(base);
      expect(plain).toMatchObject({
        allow_promotion_codes: null,
        automatic_tax: { enabled: false },
        billing_address_collection: null,
        tax_id_collection: { enabled: false },
      });

      const refused = async (params: Stripe.Checkout.SessionCreateParams) => {
        const error = await stripe.checkout.sessions.create(params).catch((e: unknown) => e);
        expect(error).toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 400 });
        return error as Stripe.errors.StripeInvalidRequestError;
      };
      expect(
        await refused({
          ...base,
          tax_id_collection: { enabled: true },
          customer_update: { address: 'auto' },
        }),
      ).toMatchObject({
        param: 'tax_id_collection[enabled]',
        message: expect.stringMatching(/customer_update\[name\]/),
      });
      expect(await refused({ ...base, automatic_tax: { enabled: true } })).toMatchObject({
        param: 'automatic_tax[enabled]',
        message: expect.stringMatching(/requires a valid address on the Customer/),
      });
      const { customer: _customer, ...withoutCustomer } = base;
      expect(await refused({ ...withoutCustomer, customer_update: { name: 'auto' } })).toMatchObject({
        param: 'customer_update',
      });
      expect(
        await refused({ ...base, allow_promotion_codes: true, discounts: [{ coupon: 'SPRING' }] }),
      ).toMatchObject({ message: expect.stringMatching(/only specify one of these parameters/) });
      expect(
        await refused({ ...base, automatic_tax: { enabled: true, nonsense: 1 } as never }),
      ).toMatchObject({ code: 'parameter_unknown', param: 'automatic_tax[nonsense]' });
      expect(await refused({ ...base, billing_address_collection: 'sometimes' })).toMatchObject({
        param: 'billing_address_collection',
      });
    });

    it('refunds a subscription invoice by payment intent, once: charge.refunded, refund.created', async () => {
      const { completion } = await subscribe();
      const invoice = await stripe.invoices.retrieve(completion.invoice!.id, { expand: ['payments'] });
      const paid = must(invoice.payments?.data[0], 'a payment').payment.payment_intent;
      const paymentIntent = typeof paid === 'string' ? paid : must(paid, 'its payment intent').id;
      double.clearRequests();

      const refund = await stripe.refunds.create(
        { payment_intent: paymentIntent, reason: 'duplicate', metadata: { why: 'second subscription' } },
        { idempotencyKey: 'refund-once' },
      );
      expect(refund).toMatchObject({
        object: 'refund',
        amount: 2000,
        status: 'succeeded',
        reason: 'duplicate',
      });
      const charge = await stripe.charges.retrieve(refund.charge as string);
      expect(charge).toMatchObject({ amount_refunded: 2000, refunded: true, payment_intent: paymentIntent });
      const events = double
        .events()
        .filter((event) => ['charge.refunded', 'refund.created'].includes(event.type));
      expect(events.map((event) => event.type)).toEqual(['charge.refunded', 'refund.created']);
      expect(verify(events[0]!).data.previous_attributes).toMatchObject({
        amount_refunded: 0,
        refunded: false,
      });

      const replayed = await stripe.refunds.create(
        { payment_intent: paymentIntent, reason: 'duplicate', metadata: { why: 'second subscription' } },
        { idempotencyKey: 'refund-once' },
      );
      expect(replayed.id).toBe(refund.id);
      const again = await stripe.refunds.create({ charge: charge.id }).catch((e: unknown) => e);
      expect(again).toMatchObject({ statusCode: 400, code: 'charge_already_refunded' });
      expect((await stripe.refunds.list({ payment_intent: paymentIntent })).data).toHaveLength(1);
    });
  });

  describe('scenario events', () => {
    it('produces events that stripe.webhooks.constructEvent accepts', async () => {
      const { completion } = await subscribe();

      const types = completion.events.map((event) => event.type);
      expect(types).toEqual(
        expect.arrayContaining([
          'customer.created',
          'customer.subscription.created',
          'invoice.paid',
          'checkout.session.completed',
        ]),
      );
      for (const event of completion.events) {
        const verified = verify(event);
        expect(verified).toMatchObject({
          id: event.id,
          object: 'event',
          api_version: Stripe.API_VERSION,
          livemode: false,
          pending_webhooks: 1,
          request: { id: null, idempotency_key: null },
        });
      }
      const completed = completion.event('checkout.session.completed');
      expect(completed.data.object).toMatchObject({
        client_reference_id: 'user_42',
        subscription: completion.subscription!.id,
      });
    });

    it('signs like Stripe, so a tampered body or a stale timestamp is refused', () => {
      const event = double.events()[0] ?? { id: 'evt_placeholder', object: 'event' };
      const { body, headers } = double.signedWebhook(event, WEBHOOK_SECRET);
      const stale = double.signedWebhook(event, WEBHOOK_SECRET, {
        timestamp: Math.floor(Date.now() / 1000) - 3600,
      });

      expect(() =>
        stripe.webhooks.constructEvent(`${body} `, headers['stripe-signature'], WEBHOOK_SECRET),
      ).toThrow(Stripe.errors.StripeSignatureVerificationError);
      expect(() =>
        stripe.webhooks.constructEvent(stale.body, stale.headers['stripe-signature'], WEBHOOK_SECRET),
      ).toThrow(/Timestamp outside the tolerance zone/);
    });

    it('lists events for reconciliation with type, created and cursor filters', async () => {
      const before = Math.floor(Date.now() / 1000) - 1;
      const { subscription } = await subscribe();
      await stripe.subscriptions.update(subscription.id, { metadata: { seats: '5' } });

      const updates = await stripe.events.list({ type: 'customer.subscription.*', created: { gt: before } });
      expect(updates.data.map((e) => e.type)).toEqual([
        'customer.subscription.updated',
        'customer.subscription.created',
      ]);
      const apiUpdate = must(updates.data[0], 'the update event');
      expect(apiUpdate.request).toEqual({
        id: expect.stringMatching(/^req_/),
        idempotency_key: expect.stringMatching(/^stripe-node-retry-/),
      });
      expect(apiUpdate.data.previous_attributes).toEqual({ metadata: { seats: null } });

      const all = await stripe.events.list({ limit: 100 });
      const [newest, second] = [must(all.data[0], 'an event'), must(all.data[1], 'a second event')];
      const older = await stripe.events.list({ starting_after: newest.id, limit: 100 });
      const newer = await stripe.events.list({ ending_before: second.id });
      expect(older.data).toHaveLength(all.data.length - 1);
      expect(newer.data.map((e) => e.id)).toEqual([newest.id]);
      expect((await stripe.events.retrieve(apiUpdate.id)).type).toBe('customer.subscription.updated');
    });
  });

  describe('subscription lifecycle', () => {
    it('swaps prices with prorations that land on the next renewal invoice', async () => {
      const { subscription, item, product } = await subscribe();
      const premium = await stripe.prices.create({
        product: product.id,
        unit_amount: 5000,
        currency: 'usd',
        recurring: { interval: 'month' },
      });

      const updated = await stripe.subscriptions.update(subscription.id, {
        items: [{ id: item.id, price: premium.id }],
        proration_behavior: 'create_prorations',
      });
      expect(updated.items.data[0]).toMatchObject({
        id: item.id,
        price: { id: premium.id },
      });
      expect(updated.latest_invoice).toBe(subscription.latest_invoice);

      const renewal = double.scenarios.renewSubscription(subscription.id);
      expect(renewal.invoice).toMatchObject({ billing_reason: 'subscription_cycle', status: 'paid' });
      const amounts = renewal.invoice!.lines.data.map((line) => line.amount);
      expect(amounts).toEqual([-2000, 5000, 5000]);
      expect(renewal.subscription.items.data[0]?.current_period_start).toBe(item.current_period_end);
    });

    it('invoices immediately with always_invoice', async () => {
      const { subscription, item, yearly } = await subscribe();

      const updated = await stripe.subscriptions.update(subscription.id, {
        items: [{ id: item.id, price: yearly.id }],
        proration_behavior: 'always_invoice',
      });

      const invoice = await stripe.invoices.retrieve(updated.latest_invoice as string);
      expect(invoice).toMatchObject({
        billing_reason: 'subscription_update',
        status: 'paid',
        amount_paid: 18000,
      });
    });

    it('cancels at period end, then ends with customer.subscription.deleted at renewal', async () => {
      const { subscription, item } = await subscribe();

      const portalCancel = double.scenarios.cancelAtPeriodEnd(subscription.id, { feedback: 'too_expensive' });
      const update = verify(portalCancel.event('customer.subscription.updated'));
      expect(update.data.previous_attributes).toMatchObject({ cancel_at_period_end: false, cancel_at: null });
      expect(update.data.object).toMatchObject({
        cancel_at_period_end: true,
        cancel_at: item.current_period_end,
        cancellation_details: { reason: 'cancellation_requested', feedback: 'too_expensive' },
      });

      const end = double.scenarios.renewSubscription(subscription.id);
      expect(end.events.map((e) => e.type)).toEqual(['customer.subscription.deleted']);
      expect(end.subscription.status).toBe('canceled');
      expect((await stripe.subscriptions.list({ customer: subscription.customer })).data).toEqual([]);
      const all = await stripe.subscriptions.list({
        customer: subscription.customer,
        status: 'all',
      });
      expect(all.data.map((s) => s.id)).toEqual([subscription.id]);
    });

    it('goes past_due when a renewal payment fails, and back to active when paid', async () => {
      const { subscription } = await subscribe();

      const failed = double.scenarios.renewSubscription(subscription.id, {
        paymentSucceeds: 'insufficient_funds',
      });
      expect(failed.subscription.status).toBe('past_due');
      expect(failed.invoice).toMatchObject({ status: 'open', attempt_count: 1 });
      expect(failed.event('invoice.payment_failed')).toBeDefined();
      expect(failed.event('charge.failed').data.object).toMatchObject({ failure_code: 'card_declined' });

      const recovered = double.scenarios.payInvoice(failed.invoice!.id);
      expect(recovered.subscription?.status).toBe('active');
      expect(recovered.event('invoice.paid').data.object).toMatchObject({ status: 'paid' });
    });

    it("numbers and links invoices like Stripe, lists a customer's newest first, and voids an open one", async () => {
      const { subscription, completion } = await subscribe();
      const first = must(completion.invoice, 'the first invoice');
      double.clock.advance(31 * 24 * 3600);
      const renewal = double.scenarios.renewSubscription(subscription.id, { paymentSucceeds: false });
      const second = must(renewal.invoice, 'the renewal invoice');

      const retrieved = await stripe.invoices.retrieve(first.id);
      expect(retrieved).toMatchObject({
        object: 'invoice',
        status: 'paid',
        amount_due: 2000,
        amount_paid: 2000,
        currency: 'usd',
        number: expect.stringMatching(/^[A-Z0-9]+-0001$/),
        hosted_invoice_url: expect.stringMatching(/^https:\/\/invoice\.stripe\.com\/i\//),
        invoice_pdf: expect.stringMatching(/^https:\/\/pay\.stripe\.com\/invoice\/.+\/pdf$/),
      });
      expect(second).toMatchObject({
        status: 'open',
        amount_paid: 0,
        number: expect.stringMatching(/-0002$/),
      });
      expect(second.created).toBeGreaterThan(retrieved.created);
      const listed = await stripe.invoices.list({ customer: subscription.customer, limit: 1 });
      expect(listed.data.map((invoice) => invoice.id)).toEqual([second.id]);
      expect(listed.has_more).toBe(true);

      const voided = double.scenarios.voidInvoice(second.id);
      expect(voided.events.map((event) => event.type)).toEqual(['invoice.voided', 'invoice.updated']);
      expect(voided.event('invoice.updated').data.previous_attributes).toMatchObject({ status: 'open' });
      expect(await stripe.invoices.retrieve(second.id)).toMatchObject({
        status: 'void',
        amount_remaining: 0,
        status_transitions: { voided_at: expect.any(Number) },
      });
      expect(() => double.scenarios.voidInvoice(second.id)).toThrow(ScenarioError);
    });

    it('cancels after the final failed attempt when dunning says so', async () => {
      const { subscription } = await subscribe();
      const { invoice } = double.scenarios.renewSubscription(subscription.id, { paymentSucceeds: false });

      const final = double.scenarios.failInvoicePayment(invoice!.id, {
        finalAttempt: true,
        subscriptionStatus: 'canceled',
      });
      expect(final.subscription?.status).toBe('canceled');
      expect(final.event('customer.subscription.deleted').data.object).toMatchObject({
        cancellation_details: { reason: 'payment_failed' },
      });
    });

    it('pauses and resumes with their events', async () => {
      const { subscription } = await subscribe();

      const paused = double.scenarios.pauseSubscription(subscription.id);
      expect(paused.events.map((e) => e.type)).toEqual([
        'customer.subscription.paused',
        'customer.subscription.updated',
      ]);
      const resumed = double.scenarios.resumeSubscription(subscription.id);
      expect(resumed.subscription.status).toBe('active');
      expect(resumed.event('customer.subscription.resumed')).toBeDefined();
      expect(resumed.invoice).toMatchObject({ status: 'paid' });
      expect(() => double.scenarios.resumeSubscription(subscription.id)).toThrow(ScenarioError);
    });

    it('pauses payment collection: active all along, renewal invoices voided, lifted by an empty value', async () => {
      const { subscription } = await subscribe();

      const paused = await stripe.subscriptions.update(subscription.id, {
        pause_collection: { behavior: 'void' },
      });
      expect(paused).toMatchObject({
        status: 'active',
        pause_collection: { behavior: 'void', resumes_at: null },
      });
      const update = verify(
        must(double.events({ type: 'customer.subscription.updated' }).at(-1), 'an update'),
      );
      expect(update.data.previous_attributes).toMatchObject({ pause_collection: null });
      await expect(stripe.subscriptions.resume(subscription.id)).rejects.toMatchObject({ statusCode: 400 });

      const held = double.scenarios.renewSubscription(subscription.id);
      expect(held.subscription.status).toBe('active');
      expect(held.invoice).toMatchObject({ status: 'void', amount_paid: 0 });
      expect(held.events.map((event) => event.type)).toContain('invoice.voided');
      expect(held.events.map((event) => event.type)).not.toContain('invoice.paid');

      const lifted = await stripe.subscriptions.update(subscription.id, { pause_collection: '' });
      expect(lifted.pause_collection).toBeNull();
      expect(double.scenarios.renewSubscription(subscription.id).invoice).toMatchObject({ status: 'paid' });
    });

    it('starts a trial from subscription_data and ends it at renewal', async () => {
      const { monthly } = await createPlan();
      const session = await stripe.checkout.sessions.create({
        mode: 'subscription',
        line_items: [{ price: monthly.id, quantity: 1 }],
        success_url: 'https://app.example/ok',
        subscription_data: { trial_period_days: 14 },
      });

      const { subscription, session: completed } = double.scenarios.completeCheckoutSession(session.id);
      expect(subscription).toMatchObject({ status: 'trialing' });
      expect(subscription!.trial_end! - subscription!.trial_start!).toBe(14 * 86400);
      expect(completed.payment_status).toBe('no_payment_required');

      const trialEnd = double.scenarios.renewSubscription(subscription!.id);
      expect(trialEnd.subscription.status).toBe('active');
      expect(trialEnd.event('customer.subscription.updated').data.previous_attributes).toMatchObject({
        status: 'trialing',
      });
    });

    it('deletes through the API with the request recorded on the event', async () => {
      const { subscription } = await subscribe();

      const canceled = await stripe.subscriptions.cancel(subscription.id);

      expect(canceled.status).toBe('canceled');
      const deleted = must(double.events({ type: 'customer.subscription.deleted' })[0], 'a deletion event');
      expect(deleted.request.id).toBe(double.lastRequest({ method: 'DELETE' })?.requestId);
      await expect(stripe.subscriptions.cancel(subscription.id)).rejects.toMatchObject({ statusCode: 400 });
    });

    it('creates billing portal sessions for existing customers', async () => {
      const { subscription } = await subscribe();

      const portal = await stripe.billingPortal.sessions.create({
        customer: subscription.customer,
        return_url: 'https://app.example/account',
      });

      expect(portal).toMatchObject({
        object: 'billing_portal.session',
        return_url: 'https://app.example/account',
      });
      expect(portal.id).toMatch(/^bps_/);
      expect(portal.url).toMatch(/^https:\/\/billing\.stripe\.com\/p\/session\//);
      await expect(stripe.billingPortal.sessions.create({ customer: 'cus_missing' })).rejects.toMatchObject({
        statusCode: 400,
        code: 'resource_missing',
      });
    });
  });

  describe('billing meters and metered prices', () => {
    async function meteredPlan() {
      const plan = await createPlan();
      const meter = await stripe.billing.meters.create({
        display_name: 'Analyses',
        event_name: 'analyses_overage',
        default_aggregation: { formula: 'sum' },
      });
      const metered = await stripe.prices.create({
        product: plan.product.id,
        currency: 'usd',
        unit_amount: 5,
        recurring: { interval: 'month', usage_type: 'metered', meter: meter.id },
      });
      return { ...plan, meter, metered };
    }

    it('creates and retrieves a meter, and a metered price on it; refuses a metered price without one', async () => {
      const { meter, metered, product } = await meteredPlan();
      expect(meter).toMatchObject({
        object: 'billing.meter',
        status: 'active',
        event_name: 'analyses_overage',
        customer_mapping: { event_payload_key: 'stripe_customer_id', type: 'by_id' },
        value_settings: { event_payload_key: 'value' },
      });
      expect(await stripe.billing.meters.retrieve(meter.id)).toEqual(meter);
      expect(metered.recurring).toMatchObject({ usage_type: 'metered', meter: meter.id });

      const create = (recurring: Stripe.PriceCreateParams.Recurring) =>
        stripe.prices
          .create({ product: product.id, currency: 'usd', unit_amount: 5, recurring })
          .catch((e) => e);
      expect((await create({ interval: 'month', usage_type: 'metered' })).message).toMatch(
        /meter is required/,
      );
      expect((await create({ interval: 'month', usage_type: 'metered', meter: 'mtr_nope' })).code).toBe(
        'resource_missing',
      );
      const taken = await stripe.billing.meters
        .create({
          display_name: 'Again',
          event_name: 'analyses_overage',
          default_aggregation: { formula: 'sum' },
        })
        .catch((e) => e);
      expect(taken.code).toBe('resource_already_exists');
      expect((await stripe.billing.meters.retrieve('mtr_nope').catch((e) => e)).statusCode).toBe(404);
    });

    it('takes meter events for known customers and sums them; an identifier counts once', async () => {
      await meteredPlan();
      const customer = await stripe.customers.create({ email: 'meter@example.com' });
      const event = (identifier: string, value: string, options?: Stripe.RequestOptions) =>
        stripe.billing.meterEvents
          .create(
            {
              event_name: 'analyses_overage',
              payload: { stripe_customer_id: customer.id, value },
              identifier,
            },
            options,
          )
          .catch((e: Error) => e);

      expect(await event('tg_1', '4', { idempotencyKey: 'tg_1' })).toMatchObject({
        object: 'billing.meter_event',
        identifier: 'tg_1',
        payload: { stripe_customer_id: customer.id, value: '4' },
      });
      // The same request retried with its key: Stripe's first answer, nothing counted again.
      expect(await event('tg_1', '4', { idempotencyKey: 'tg_1' })).toMatchObject({ identifier: 'tg_1' });
      expect(double.lastRequest({ path: '/v1/billing/meter_events' })?.idempotentReplay).toBe(true);
      // The identifier again under another key: refused as a duplicate.
      expect(await event('tg_1', '4')).toMatchObject({
        code: 'resource_already_exists',
        param: 'identifier',
      });
      await event('tg_2', '3');
      expect(double.meterEventTotal({ customer: customer.id, eventName: 'analyses_overage' })).toBe(7);
      expect(double.meterEvents({ customer: customer.id }).map((recorded) => recorded.identifier)).toEqual([
        'tg_1',
        'tg_2',
      ]);

      expect(await event('tg_3', '2.5')).toMatchObject({ param: 'payload[value]' });
      const unknownCustomer = await stripe.billing.meterEvents
        .create({ event_name: 'analyses_overage', payload: { stripe_customer_id: 'cus_nope', value: '1' } })
        .catch((e) => e);
      expect(unknownCustomer.code).toBe('resource_missing');
      const unknownMeter = await stripe.billing.meterEvents
        .create({ event_name: 'nope', payload: { stripe_customer_id: customer.id, value: '1' } })
        .catch((e) => e);
      expect(unknownMeter.param).toBe('event_name');
      double.failNext({ status: 503, path: '/v1/billing/meter_events' });
      expect(await event('tg_4', '9')).toBeInstanceOf(Stripe.errors.StripeAPIError);
      expect(double.meterEventTotal({ customer: customer.id, eventName: 'analyses_overage' })).toBe(7);
    });

    it('checks a metered price out without a quantity and subscribes to it beside the plan', async () => {
      const { monthly, metered } = await meteredPlan();
      const session = (lineItems: Stripe.Checkout.SessionCreateParams.LineItem[]) =>
        stripe.checkout.sessions.create({
          mode: 'subscription',
          line_items: lineItems,
          success_url: 'https://app.example/ok',
          cancel_url: 'https://app.example/cancel',
        });
      const refused = await session([
        { price: monthly.id, quantity: 1 },
        { price: metered.id, quantity: 1 },
      ]).catch((e) => e);
      expect(refused.param).toBe('line_items[1][quantity]');

      const created = await session([{ price: monthly.id, quantity: 1 }, { price: metered.id }]);
      expect(created.amount_total).toBe(2000);
      const { subscription } = double.scenarios.completeCheckoutSession(created.id);
      const remote = await stripe.subscriptions.retrieve(must(subscription, 'a subscription').id);
      const [planItem, meteredItem] = remote.items.data;
      expect(planItem).toMatchObject({ price: { id: monthly.id }, quantity: 1 });
      expect(meteredItem?.price.id).toBe(metered.id);
      expect(meteredItem).not.toHaveProperty('quantity');

      const updated = await stripe.subscriptions.update(remote.id, {
        items: [{ id: must(meteredItem, 'the metered item').id, deleted: true }],
        proration_behavior: 'create_prorations',
      });
      expect(updated.items.data.map((item) => item.price.id)).toEqual([monthly.id]);
      const readded = await stripe.subscriptions
        .update(remote.id, { items: [{ price: metered.id, quantity: 2 }] })
        .catch((e) => e);
      expect(readded.param).toBe('items[0][quantity]');
    });
  });

  describe('snapshot and restore', () => {
    it('hands a later double the objects, ids included, in a state its scenarios go on from', async () => {
      const { subscription, session } = await subscribe();
      const original = double.retrieve(subscription.id);
      const snapshot = JSON.parse(JSON.stringify(double.snapshot())) as ReturnType<StripeDouble['snapshot']>;
      const later = await StripeDouble.start();
      try {
        later.restore(snapshot);
        const client = new Stripe('sk_test_self_test', { ...later.clientOptions(), maxNetworkRetries: 0 });

        expect(await client.subscriptions.retrieve(subscription.id)).toEqual(
          await stripe.subscriptions.retrieve(subscription.id),
        );
        expect(await client.checkout.sessions.listLineItems(session.id)).toEqual(
          await stripe.checkout.sessions.listLineItems(session.id),
        );
        expect(later.events()).toEqual([]);
        const renewal = later.scenarios.renewSubscription(subscription.id);
        expect(renewal.events.map((event) => event.type)).toContain('invoice.paid');
        expect(later.retrieve(subscription.id)).not.toEqual(original);
        expect(double.retrieve(subscription.id)).toEqual(original);
      } finally {
        await later.stop();
      }
    });
  });

  describe('invoice previews', () => {
    it('previews a mid-period swap: prorations and the next period, the same lines the change then bills', async () => {
      const { subscription, item, product } = await subscribe();
      const premium = await stripe.prices.create({
        product: product.id,
        unit_amount: 5000,
        currency: 'usd',
        recurring: { interval: 'month' },
      });
      double.clock.advance(10 * 86_400);
      const eventsBefore = double.events().length;
      const prorationDate = double.clock.now();

      const preview = await stripe.invoices.createPreview({
        customer: subscription.customer,
        subscription: subscription.id,
        subscription_details: {
          items: [{ id: item.id, price: premium.id, quantity: 1 }],
          proration_behavior: 'create_prorations',
          proration_date: prorationDate,
        },
      });

      expect(preview).toMatchObject({
        object: 'invoice',
        status: 'draft',
        billing_reason: 'upcoming',
        currency: 'usd',
        customer: subscription.customer,
        parent: {
          subscription_details: { subscription: subscription.id, subscription_proration_date: prorationDate },
        },
      });
      expect(preview.id).toMatch(/^upcoming_in_/);
      const lines = preview.lines.data;
      expect(lines.map((line) => line.parent?.subscription_item_details?.proration)).toEqual([
        true,
        true,
        false,
      ]);
      const [credit, charge, next] = lines.map((line) => line.amount);
      expect(credit).toBeLessThan(0);
      expect(credit).toBeGreaterThan(-2000);
      expect(charge).toBeGreaterThan(0);
      expect(charge).toBeLessThan(5000);
      expect(next).toBe(5000);
      expect(lines[0]?.description).toMatch(/^Unused time on 1 × Pro after/);
      expect(lines[1]?.description).toMatch(/^Remaining time on 1 × Pro after/);
      expect(preview.amount_due).toBe(credit! + charge! + next!);
      // A preview changes nothing: no event, no invoice, the subscription as it was.
      expect(double.events()).toHaveLength(eventsBefore);
      expect((await stripe.invoices.list({ subscription: subscription.id })).data).toHaveLength(1);
      expect((await stripe.subscriptions.retrieve(subscription.id)).items.data[0]?.price.id).toBe(
        subscription.items.data[0]?.price.id,
      );

      await stripe.subscriptions.update(subscription.id, {
        items: [{ id: item.id, price: premium.id, quantity: 1 }],
        proration_behavior: 'create_prorations',
        proration_date: prorationDate,
      });
      const renewal = double.scenarios.renewSubscription(subscription.id);
      expect(renewal.invoice!.lines.data.map((line) => line.amount)).toEqual([credit, charge, next]);
    });

    it('previews a change of interval as an invoice due now, and a quantity change', async () => {
      const { subscription, item, yearly } = await subscribe();

      const yearlyPreview = await stripe.invoices.createPreview({
        subscription: subscription.id,
        subscription_details: { items: [{ id: item.id, price: yearly.id }] },
      });
      expect(yearlyPreview.period_start).toBe(yearlyPreview.period_end);
      expect(yearlyPreview.lines.data.map((line) => line.amount)).toEqual([-2000, 20000]);
      expect(yearlyPreview.amount_due).toBe(18000);

      const seats = await stripe.invoices.createPreview({
        subscription: subscription.id,
        subscription_details: { items: [{ id: item.id, quantity: 3 }] },
      });
      expect(seats.lines.data.map((line) => line.amount)).toEqual([-2000, 6000, 6000]);
      expect(seats.lines.data.at(-1)?.description).toBe('3 × Pro (at $20.00 / month)');
    });

    it('refuses what Stripe refuses, and has nothing upcoming for an ending subscription', async () => {
      const { subscription, item, product } = await subscribe();
      const once = await stripe.prices.create({ product: product.id, unit_amount: 500, currency: 'usd' });
      const archived = await stripe.prices.create({
        product: product.id,
        unit_amount: 900,
        currency: 'usd',
        recurring: { interval: 'month' },
      });
      await stripe.prices.update(archived.id, { active: false });
      const preview = (details: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
        stripe.invoices.createPreview({
          subscription: subscription.id,
          ...extra,
          subscription_details: details,
        });

      for (const [details, extra, param] of [
        [{ items: [{ id: item.id, price: once.id }] }, {}, 'subscription_details[items][0][price]'],
        [{ items: [{ id: item.id, price: archived.id }] }, {}, 'subscription_details[items][0][price]'],
        [{ items: [{ id: item.id, price: 'price_missing' }] }, {}, 'subscription_details[items][0][price]'],
        [{ proration_behaviour: 'none' }, {}, 'subscription_details[proration_behaviour]'],
        [{}, { coupon: 'X' }, 'coupon'],
      ] as const) {
        await expect(preview(details, extra)).rejects.toMatchObject({ statusCode: 400, param });
      }
      await expect(
        stripe.invoices.createPreview({ subscription: 'sub_1Missing0000000000000000' }),
      ).rejects.toMatchObject({ statusCode: 400, code: 'resource_missing' });

      await stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });
      await expect(stripe.invoices.createPreview({ subscription: subscription.id })).rejects.toMatchObject({
        statusCode: 404,
        code: 'invoice_upcoming_none',
      });
      await stripe.subscriptions.cancel(subscription.id);
      await expect(preview({ items: [{ id: item.id, quantity: 2 }] })).rejects.toMatchObject({
        statusCode: 404,
        code: 'invoice_upcoming_none',
      });
    });
  });

  describe('stripe trigger request sequences', () => {
    const triggersDir = join(__dirname, 'fixtures', 'cli-triggers');
    interface TriggerFixture {
      name: string;
      path: string;
      method: string;
      params?: Record<string, unknown>;
    }

    function resolveReferences(value: unknown, created: Map<string, Record<string, unknown>>): unknown {
      if (typeof value === 'string') {
        return value.replace(/\$\{(\w+):(\w+)\}/g, (_, name: string, field: string) =>
          String(created.get(name)?.[field]),
        );
      }
      if (Array.isArray(value)) return value.map((entry) => resolveReferences(entry, created));
      if (value && typeof value === 'object') {
        return Object.fromEntries(
          Object.entries(value).map(([key, entry]) => [key, resolveReferences(entry, created)]),
        );
      }
      return value;
    }

    it.each(readdirSync(triggersDir).map((file) => file.replace(/\.json$/, '')))(
      'replays `stripe trigger %s` and emits that event',
      async (eventType) => {
        const { fixtures } = JSON.parse(readFileSync(join(triggersDir, `${eventType}.json`), 'utf8')) as {
          fixtures: TriggerFixture[];
        };
        const created = new Map<string, Record<string, unknown>>();
        for (const fixture of fixtures) {
          const method = fixture.method.toUpperCase();
          const path = resolveReferences(fixture.path, created) as string;
          const params =
            method === 'POST'
              ? (resolveReferences(fixture.params ?? {}, created) as Parameters<Stripe['rawRequest']>[2])
              : undefined;
          created.set(fixture.name, await stripe.rawRequest(method, path, params));
        }

        expect(double.events().map((event) => event.type)).toContain(eventType);
      },
    );
  });
});
