import Stripe from 'stripe';

import { bearer, signUp, TestAccount } from '../support/accounts';
import {
  adminUser,
  checkout,
  createPlan,
  creditPackPlan,
  deliver,
  deliverAll,
  eventually,
  features,
  me,
  PAID_FEATURES,
  PlanBody,
  priceOf,
  sleep,
  subscriptionOf,
} from '../support/billing';
import { BillingWorld, startBillingWorld, twoInstances } from '../support/billing-world';
import { MailServer } from '../support/mail-server';
import { must } from '../support/must';
import { api, startTestServer, TestServer } from '../support/test-app';
import { CheckoutSessionObject, EventObject, StripeDouble, SubscriptionObject } from '../stripe-double';

const APP_URL = 'https://app.tollgate.test';
const REPORTS = '/v1/reports/summary';
const DUPLICATE_CANCELED = 'duplicate_subscription_canceled';

describe('checkout hardening: no double billing, no stuck checkout, promotion codes and tax', () => {
  let mail: MailServer;
  let world: BillingWorld;
  let stripe: StripeDouble;
  let stripeClient: Stripe;
  let server: TestServer;
  let instances: [TestServer, TestServer];
  let asAdmin: Record<string, string>;
  let plan: PlanBody;
  let credits: PlanBody;

  beforeAll(async () => {
    mail = await MailServer.start();
    // Two instances on one database of its own (mail: every server on a database sends its outbox).
    world = await startBillingWorld({ instances: 2, env: { SMTP_URL: mail.url, APP_URL } });
    ({ stripe, server, asAdmin } = world);
    instances = twoInstances(world);
    stripeClient = stripe.createClient();
    plan = await createPlan(server, asAdmin);
    credits = await createPlan(server, asAdmin, creditPackPlan());
  });
  afterEach(() => stripe.clearFaults());
  afterAll(async () => {
    await world?.stop();
    await mail?.stop();
  });

  function session(id: string): CheckoutSessionObject {
    return must(stripe.retrieve<CheckoutSessionObject>(id), `the double's ${id}`);
  }

  function stripeSubscription(id: string): SubscriptionObject {
    return must(stripe.retrieve<SubscriptionObject>(id), `the double's ${id}`);
  }

  /** The charge that paid the subscription's first invoice, as Stripe has it now. */
  async function firstCharge(subscriptionId: string): Promise<Stripe.Charge> {
    const invoiceId = must(stripeSubscription(subscriptionId).latest_invoice, 'a first invoice');
    const invoice = await stripeClient.invoices.retrieve(String(invoiceId), { expand: ['payments'] });
    const paymentIntent = must(invoice.payments?.data[0]?.payment.payment_intent, 'a paid invoice');
    const charges = await stripeClient.charges.list({
      payment_intent: typeof paymentIntent === 'string' ? paymentIntent : paymentIntent.id,
    });
    return must(charges.data[0], 'a charge');
  }

  async function billingEvents(user: TestAccount, kind: string) {
    const detail = await adminUser(server, asAdmin, user.id);
    return detail.billingEvents.filter((event) => event.kind === kind);
  }

  it('a second checkout expires the earlier open Checkout Session', async () => {
    const user = await signUp(server.url, 'expire');
    const first = await checkout(server, user, priceOf(plan, 'month').id);
    expect(session(first.id).status).toBe('open');

    const second = await checkout(server, user, priceOf(plan, 'year').id);
    expect(session(first.id).status).toBe('expired');
    expect(session(second.id).status).toBe('open');
    expect(
      stripe.events({ type: 'checkout.session.expired' }).map((event) => event.data.object.id),
    ).toContain(first.id);
    // The earlier session cannot be paid any more.
    expect(() => stripe.scenarios.completeCheckoutSession(first.id)).toThrow(/expired/);

    // A retried checkout (same Idempotency-Key) gets its own session back, still open.
    const retry = () =>
      api(server)
        .post('/v1/billing/checkout')
        .set(bearer(user))
        .set('Idempotency-Key', 'checkout-retry-1')
        .send({ priceId: priceOf(plan, 'month').id })
        .expect(201);
    const third = String((await retry()).body.id);
    expect(String((await retry()).body.id)).toBe(third);
    expect(session(third).status).toBe('open');
    expect(session(second.id).status).toBe('expired');

    // A credit pack bought meanwhile leaves the subscription checkout alone, and is not expired by one.
    const pack = await checkout(server, user, priceOf(credits, 'one_time').id);
    expect(session(third).status).toBe('open');
    const fourth = await checkout(server, user, priceOf(plan, 'month').id);
    expect(session(third).status).toBe('expired');
    expect(session(pack.id).status).toBe('open');
    expect(session(fourth.id).status).toBe('open');
  });

  it('of two checkouts at once, exactly one session stays open', async () => {
    const user = await signUp(server.url, 'concurrent');
    const [a, b] = await Promise.all(
      instances.map(async (instance) => checkout(instance, user, priceOf(plan, 'month').id)),
    );
    const sessions = [session(a!.id), session(b!.id)];
    expect(sessions.map((one) => one.status).sort()).toEqual(['expired', 'open']);
    const open = await stripeClient.checkout.sessions.list({
      customer: String(sessions[0]!.customer),
      status: 'open',
    });
    expect(open.data.map((one) => one.id)).toEqual([sessions.find((one) => one.status === 'open')!.id]);
  });

  /**
   * The race the expiry cannot close: the first session is paid while its webhooks are late, so the
   * second checkout is allowed (and finds the first session complete, not open), and it is paid too.
   */
  async function twoPaidSessions(user: TestAccount) {
    const first = await checkout(server, user, priceOf(plan, 'month').id);
    const firstPaid = stripe.scenarios.completeCheckoutSession(first.id, { subscriptionStatus: 'active' });
    const second = await checkout(server, user, priceOf(plan, 'year').id);
    const secondPaid = stripe.scenarios.completeCheckoutSession(second.id, { subscriptionStatus: 'active' });
    return {
      kept: must(firstPaid.subscription, 'the first subscription'),
      duplicate: must(secondPaid.subscription, 'the second subscription'),
      firstEvents: firstPaid.events,
      secondEvents: secondPaid.events,
    };
  }

  async function expectDuplicateResolved(
    user: TestAccount,
    kept: SubscriptionObject,
    duplicate: SubscriptionObject,
  ): Promise<void> {
    await eventually(async () => {
      expect(stripeSubscription(duplicate.id).status).toBe('canceled');
      const charge = await firstCharge(duplicate.id);
      expect(charge.refunded).toBe(true);
      expect(charge.amount_refunded).toBe(charge.amount);
    });
    expect(stripeSubscription(kept.id).status).toBe('active');
    expect((await firstCharge(kept.id)).amount_refunded).toBe(0);
    const refunds = await stripeClient.refunds.list({ charge: (await firstCharge(duplicate.id)).id });
    expect(refunds.data).toHaveLength(1);
    expect(refunds.data[0]).toMatchObject({ reason: 'duplicate', status: 'succeeded' });

    // Access continues from the first subscription.
    expect(await subscriptionOf(server, user)).toMatchObject({
      status: 'active',
      priceId: priceOf(plan, 'month').id,
    });
    expect(features((await me(server, user)).entitlements)).toEqual(PAID_FEATURES);
    await api(server).get(REPORTS).set(bearer(user)).expect(200);

    await eventually(async () => {
      const events = await billingEvents(user, DUPLICATE_CANCELED);
      expect(events).toHaveLength(1);
      expect(events[0]!.details).toMatchObject({
        stripeSubscriptionId: duplicate.id,
        keptSubscriptionId: kept.id,
        refunded: { amount: priceOf(plan, 'year').amount, currency: 'usd' },
      });
    });
    const audited = await api(server)
      .get('/v1/admin/audit')
      .query({ action: DUPLICATE_CANCELED })
      .set(asAdmin)
      .expect(200);
    expect(
      (audited.body.data as { subjectId: string }[]).filter((entry) => entry.subjectId === user.id),
    ).toHaveLength(1);
    const notice = await mail.waitForMail({ to: user.email, subject: /refund/i });
    expect(notice.subject).toBe('We refunded a second Tollgate subscription');
    expect(notice.text).toContain('refunded its payment of $190.00');
    expect(notice.text).toContain('Your first subscription goes on as before');
    // Duplicates of every event are late by now; one mail, one refund, one event is all there is.
    await sleep(1_500);
    expect(mail.mailsTo(user.email).filter((received) => /refund/i.test(received.subject))).toHaveLength(1);
    expect(await billingEvents(user, DUPLICATE_CANCELED)).toHaveLength(1);
    expect(
      (await stripeClient.refunds.list({ charge: (await firstCharge(duplicate.id)).id })).data,
    ).toHaveLength(1);
  }

  it('two sessions paid anyway: the second subscription is canceled at once and refunded; access stays', async () => {
    const user = await signUp(server.url, 'double');
    const { kept, duplicate, firstEvents, secondEvents } = await twoPaidSessions(user);

    await deliverAll(server, stripe, firstEvents);
    await eventually(async () =>
      expect(await subscriptionOf(server, user)).toMatchObject({
        status: 'active',
        priceId: priceOf(plan, 'month').id,
      }),
    );
    await deliverAll(server, stripe, secondEvents);
    // The entitlements never move to the duplicate.
    expect(await subscriptionOf(server, user)).toMatchObject({ priceId: priceOf(plan, 'month').id });
    await expectDuplicateResolved(user, kept, duplicate);

    // What the cancellation and the refund make Stripe send changes nothing more.
    const refundedCharge = (await firstCharge(duplicate.id)).id;
    const aftermath = stripe.events().filter(({ type, data: { object } }) => {
      const about = object as { id: string; charge?: unknown };
      return (
        (type === 'customer.subscription.deleted' && about.id === duplicate.id) ||
        (type === 'charge.refunded' && about.id === refundedCharge) ||
        (type === 'refund.created' && about.charge === refundedCharge)
      );
    });
    expect(aftermath.map((event) => event.type).sort()).toEqual([
      'charge.refunded',
      'customer.subscription.deleted',
      'refund.created',
    ]);
    for (const event of aftermath) await deliver(server, stripe, event).expect(200);
    expect(await subscriptionOf(server, user)).toMatchObject({
      status: 'active',
      priceId: priceOf(plan, 'month').id,
    });
  });

  it('the same with both subscriptions’ webhooks delivered twice, in reverse order, to two instances', async () => {
    const user = await signUp(server.url, 'reverse');
    const { kept, duplicate, firstEvents, secondEvents } = await twoPaidSessions(user);
    // The second subscription's events first, each sequence backwards, every event to both instances.
    const reversed: EventObject[] = [...firstEvents, ...secondEvents].reverse();
    await Promise.all(
      instances.map(async (instance) => {
        for (const event of reversed) await deliver(instance, stripe, event).expect(200);
      }),
    );
    await expectDuplicateResolved(user, kept, duplicate);
  });

  it('settles once when Stripe fails part way: the refund refused at first, then retried', async () => {
    const user = await signUp(server.url, 'retry');
    const { kept, duplicate, firstEvents, secondEvents } = await twoPaidSessions(user);
    await deliverAll(server, stripe, firstEvents);
    await eventually(async () =>
      expect(await subscriptionOf(server, user)).toMatchObject({ status: 'active' }),
    );
    // Every attempt of the client (first try and its retries) fails: the webhook fails and is retried.
    stripe.failNext({ status: 500, method: 'POST', path: '/v1/refunds', times: 3 });
    await deliverAll(server, stripe, secondEvents);
    await expectDuplicateResolved(user, kept, duplicate);
    expect(stripe.requests({ method: 'POST', path: '/v1/refunds' }).filter((r) => r.fault)).toHaveLength(3);
  });

  it('a checkout while the subscription is incomplete (3-D Secure abandoned) replaces it instead of 409', async () => {
    const user = await signUp(server.url, 'stuck');
    const first = await checkout(server, user, priceOf(plan, 'month').id);
    const abandoned = stripe.scenarios.completeCheckoutSession(first.id, {
      subscriptionStatus: 'incomplete',
      abandonAuthentication: true,
    });
    expect(abandoned.paymentIntent?.status).toBe('requires_action');
    const incomplete = must(abandoned.subscription, 'an incomplete subscription');
    await deliverAll(server, stripe, abandoned.events);
    await eventually(async () =>
      expect(await subscriptionOf(server, user)).toMatchObject({ status: 'incomplete' }),
    );
    const paywall = await api(server).get(REPORTS).set(bearer(user)).expect(402);
    expect(paywall.body.code).toBe('payment_pending');
    expect(paywall.body.detail).toMatch(/if you did not finish paying, check out again\.$/);
    expect(paywall.body.actions.checkout).toEqual({ method: 'POST', href: '/v1/billing/checkout' });

    // What the 402 offers works: a new checkout, not 409.
    const response = await api(server)
      .post('/v1/billing/checkout')
      .set(bearer(user))
      .send({ priceId: priceOf(plan, 'month').id });
    expect(response.status).toBe(201);
    expect(stripeSubscription(incomplete.id).status).toBe('canceled');

    const paid = stripe.scenarios.completeCheckoutSession(String(response.body.id), {
      subscriptionStatus: 'active',
    });
    await deliverAll(server, stripe, paid.events);
    await eventually(async () =>
      expect(await subscriptionOf(server, user)).toMatchObject({ status: 'active' }),
    );
    await api(server).get(REPORTS).set(bearer(user)).expect(200);
  });

  it('still answers 409 already_subscribed while a subscription is active', async () => {
    const user = await signUp(server.url, 'active');
    const first = await checkout(server, user, priceOf(plan, 'month').id);
    await deliverAll(
      server,
      stripe,
      stripe.scenarios.completeCheckoutSession(first.id, { subscriptionStatus: 'active' }).events,
    );
    await eventually(async () =>
      expect(await subscriptionOf(server, user)).toMatchObject({ status: 'active' }),
    );
    const refused = await api(server)
      .post('/v1/billing/checkout')
      .set(bearer(user))
      .send({ priceId: priceOf(plan, 'year').id })
      .expect(409);
    expect(refused.body.code).toBe('already_subscribed');
  });

  it('allows promotion codes by default and asks for no tax unless configured', async () => {
    const user = await signUp(server.url, 'promo');
    stripe.clearRequests();
    const created = await checkout(server, user, priceOf(plan, 'month').id);
    const request = must(
      stripe.requests({ method: 'POST', path: '/v1/checkout/sessions' })[0],
      'a checkout request',
    );
    expect(request.body.allow_promotion_codes).toBe('true');
    for (const param of [
      'automatic_tax',
      'tax_id_collection',
      'billing_address_collection',
      'customer_update',
    ]) {
      expect(request.body).not.toHaveProperty(param);
    }
    expect(session(created.id)).toMatchObject({
      allow_promotion_codes: true,
      automatic_tax: { enabled: false },
    });
  });

  it('turns on Stripe Tax with address and tax id collection when STRIPE_AUTOMATIC_TAX=true', async () => {
    const taxed = await startTestServer({
      ...world.env,
      SMTP_URL: mail.url,
      STRIPE_AUTOMATIC_TAX: 'true',
      CHECKOUT_PROMOTION_CODES: 'false',
    });
    try {
      const user = await signUp(taxed.url, 'tax');
      stripe.clearRequests();
      const created = await checkout(taxed, user, priceOf(plan, 'month').id);
      const request = must(
        stripe.requests({ method: 'POST', path: '/v1/checkout/sessions' })[0],
        'a checkout request',
      );
      expect(request.body).toMatchObject({
        automatic_tax: { enabled: 'true' },
        billing_address_collection: 'required',
        tax_id_collection: { enabled: 'true' },
        customer_update: { address: 'auto', name: 'auto' },
      });
      expect(request.body).not.toHaveProperty('allow_promotion_codes');
      expect(session(created.id)).toMatchObject({
        automatic_tax: { enabled: true },
        billing_address_collection: 'required',
        tax_id_collection: { enabled: true },
      });
    } finally {
      await taxed.stop();
    }
  });
});
