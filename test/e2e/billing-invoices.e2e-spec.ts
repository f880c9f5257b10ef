import { bearer, signUp, TestAccount } from '../support/accounts';
import { uniquePlanKey } from '../support/admin';
import {
  createPlan,
  deliver,
  deliverAll,
  eventually,
  isoFromUnix,
  paidPlan,
  PriceBody,
  priceOf,
  storedEvents,
  subscribe,
  subscriptionOf,
} from '../support/billing';
import { BillingWorld, startBillingWorld } from '../support/billing-world';
import { MailServer, ReceivedMail } from '../support/mail-server';
import { must } from '../support/must';
import { api, TestServer } from '../support/test-app';
import { EventObject, InvoiceObject, StripeDouble } from '../stripe-double';

const APP_URL = 'https://app.tollgate.test';
const BILLING_PAGE = `${APP_URL}/billing`;
const PROBLEM = /^application\/problem\+json/;
const MONTH_SECONDS = 31 * 24 * 3600;

interface InvoiceBody {
  id: string;
  number: string | null;
  status: string;
  amountDue: number;
  amountPaid: number;
  currency: string;
  created: string;
  hostedInvoiceUrl: string | null;
  invoicePdf: string | null;
}

interface InvoicePage {
  data: InvoiceBody[];
  nextCursor: string | null;
}

interface OutboxRow {
  to: string;
  template: string;
  status: string;
}

describe('invoices and billing mails', () => {
  let world: BillingWorld;
  let stripe: StripeDouble;
  let server: TestServer;
  let asAdmin: Record<string, string>;
  let mail: MailServer;
  let monthly: PriceBody;

  beforeAll(async () => {
    mail = await MailServer.start();
    world = await startBillingWorld({
      instances: 2,
      env: { SMTP_URL: mail.url, APP_URL, MAIL_REQUESTS_PER_CLIENT_PER_HOUR: '1000' },
    });
    ({ stripe, server, asAdmin } = world);
    monthly = priceOf(await createPlan(server, asAdmin, paidPlan()), 'month');
  });
  afterEach(() => stripe.clearFaults());
  afterAll(async () => {
    await world?.stop();
    await mail?.stop();
  });

  async function invoicesOf(
    headers: Record<string, string>,
    query: Record<string, string | number> = {},
  ): Promise<InvoicePage> {
    const response = await api(server).get('/v1/billing/invoices').query(query).set(headers).expect(200);
    expect(response.headers['cache-control']).toContain('no-store');
    return response.body as InvoicePage;
  }

  /** What the API should show of an invoice: Stripe's own current fields. */
  function asListed(id: string): InvoiceBody {
    const invoice = must(stripe.retrieve<InvoiceObject>(id), `the double's ${id}`);
    return {
      id: invoice.id,
      number: invoice.number,
      status: invoice.status,
      amountDue: invoice.amount_due,
      amountPaid: invoice.amount_paid,
      currency: invoice.currency,
      created: isoFromUnix(invoice.created),
      hostedInvoiceUrl: invoice.hosted_invoice_url,
      invoicePdf: invoice.invoice_pdf,
    };
  }

  /** The outbox's rows to `to` of a template (every mail the service will ever send them of that kind). */
  async function outboxRows(to: string, template: string): Promise<OutboxRow[]> {
    const response = await api(server).get('/v1/admin/mail').query({ limit: 200 }).set(asAdmin).expect(200);
    return (response.body as { data: OutboxRow[] }).data.filter(
      (row) => row.to === to && row.template === template,
    );
  }

  function mailsAbout(to: string, subject: RegExp): ReceivedMail[] {
    return mail.mailsTo(to).filter((received) => subject.test(received.subject));
  }

  /** Waits until every one of these events is done with (processed or ignored). */
  async function processed(events: EventObject[]): Promise<void> {
    await eventually(async () => {
      for (const event of events) {
        const [row] = await storedEvents(server, asAdmin, event.id);
        expect(row?.status).toMatch(/^(processed|ignored)$/);
      }
    }, 15_000);
  }

  /** A subscriber whose first month is paid, then a month later the renewal is charged. */
  async function subscriberWithRenewal(user: TestAccount, renewalSucceeds: boolean) {
    const { subscriptionId, completion } = await subscribe({ server, stripe }, user, monthly);
    stripe.clock.advance(MONTH_SECONDS);
    const renewal = stripe.scenarios.renewSubscription(subscriptionId, { paymentSucceeds: renewalSucceeds });
    await deliverAll(server, stripe, renewal.events);
    await processed(renewal.events);
    return {
      subscriptionId,
      first: must(completion.invoice, 'the first invoice'),
      renewal: must(renewal.invoice, 'the renewal invoice'),
      renewalEvents: renewal,
    };
  }

  it('lists the invoices of checkout and renewal newest first with their links, page by page', async () => {
    const user = await signUp(server.url, 'invoices');
    expect(await invoicesOf(bearer(user))).toEqual({ data: [], nextCursor: null });
    const { first, renewal } = await subscriberWithRenewal(user, true);

    const listed = await eventually(async () => {
      const page = await invoicesOf(bearer(user));
      expect(page.data.map((invoice) => invoice.id)).toEqual([renewal.id, first.id]);
      return page;
    });
    expect(listed).toEqual({ data: [asListed(renewal.id), asListed(first.id)], nextCursor: null });
    for (const invoice of listed.data) {
      expect(invoice).toMatchObject({ status: 'paid', amountDue: 1900, amountPaid: 1900, currency: 'usd' });
      expect(invoice.number).toMatch(/^[A-Z0-9]+-\d{4}$/);
      expect(invoice.hostedInvoiceUrl).toMatch(/^https:\/\/invoice\.stripe\.com\//);
      expect(invoice.invoicePdf).toMatch(/^https:\/\/pay\.stripe\.com\/.+\/pdf$/);
    }
    expect(Date.parse(listed.data[0]!.created)).toBeGreaterThan(Date.parse(listed.data[1]!.created));

    const firstPage = await invoicesOf(bearer(user), { limit: 1 });
    expect(firstPage.data.map((invoice) => invoice.id)).toEqual([renewal.id]);
    const secondPage = await invoicesOf(bearer(user), {
      limit: 1,
      cursor: must(firstPage.nextCursor, 'a cursor'),
    });
    expect(secondPage).toEqual({ data: [asListed(first.id)], nextCursor: null });

    for (const query of [
      { cursor: 'not-a-cursor' },
      { cursor: Buffer.from('x|y|z').toString('base64url') },
      { limit: 0 },
      { limit: 201 },
      { limit: 'ten' },
    ]) {
      const refused = await api(server)
        .get('/v1/billing/invoices')
        .query(query)
        .set(bearer(user))
        .expect(400);
      expect(refused.headers['content-type']).toMatch(PROBLEM);
      expect(refused.body.code).toBe('validation_failed');
    }
    await api(server).get('/v1/billing/invoices').expect(401);

    // Each paid invoice sent its receipt, with Stripe's page of that invoice.
    await mail.waitUntil(() => mailsAbout(user.email, /receipt/).length === 2, 15_000, 'two receipts');
    const links = mailsAbout(user.email, /receipt/).map((receipt) => receipt.links);
    for (const received of links) expect(received.at(-1)).toBe(BILLING_PAGE);
    expect(links.map((received) => received[0]).sort()).toEqual(
      [first.hosted_invoice_url, renewal.hosted_invoice_url].sort(),
    );
  });

  it("shows a team's invoices to its members, not to anyone else; its mails go to owners and admins", async () => {
    const owner = await signUp(server.url, 'team-owner');
    const admin = await signUp(server.url, 'team-admin');
    const member = await signUp(server.url, 'team-member');
    const stranger = await signUp(server.url, 'stranger');
    const team = (
      await api(server).post('/v1/accounts').set(bearer(owner)).send({ name: 'Engines' }).expect(201)
    ).body as { id: string };
    for (const [user, role] of [
      [admin, 'admin'],
      [member, 'member'],
    ] as const) {
      await api(server)
        .post(`/v1/accounts/${team.id}/invitations`)
        .set(bearer(owner))
        .send({ email: user.email, role })
        .expect(201);
      const invitation = await mail.waitForMail({ to: user.email, subject: /invited you/ });
      const link = must(
        invitation.links.find((candidate) => candidate.includes('/invitations/accept')),
        'a link',
      );
      const token = must(new URL(link).searchParams.get('token'), 'a token');
      await api(server).post('/v1/invitations/accept').set(bearer(user)).send({ token }).expect(200);
    }
    const asTeam = (user: TestAccount) => ({ ...bearer(user), 'x-account-id': team.id });

    const session = (
      await api(server)
        .post('/v1/billing/checkout')
        .set(asTeam(owner))
        .send({ priceId: monthly.id })
        .expect(201)
    ).body as { id: string };
    const completion = stripe.scenarios.completeCheckoutSession(session.id, { subscriptionStatus: 'active' });
    await deliverAll(server, stripe, completion.events);
    const invoice = must(completion.invoice, 'the first invoice');

    for (const reader of [owner, admin, member]) {
      await eventually(async () =>
        expect((await invoicesOf(asTeam(reader))).data).toEqual([asListed(invoice.id)]),
      );
    }
    expect((await invoicesOf(bearer(member))).data).toEqual([]); // their personal account has none
    expect((await invoicesOf(bearer(owner))).data).toEqual([]);
    const refused = await api(server).get('/v1/billing/invoices').set(asTeam(stranger)).expect(404);
    expect(refused.body.code).toBe('account_not_found');

    for (const user of [owner, admin]) {
      const receipt = await mail.waitForMail({ to: user.email, subject: /receipt/ });
      expect(receipt.text).toContain('"Engines"');
      expect(receipt.links[0]).toBe(invoice.hosted_invoice_url);
    }
    expect(await outboxRows(member.email, 'billing-receipt')).toEqual([]);
    expect(mailsAbout(member.email, /receipt/)).toEqual([]);
  });

  it('sends one receipt when invoice.paid arrives five times, on two instances at once', async () => {
    const user = await signUp(server.url, 'five-fold');
    const { subscriptionId } = await subscribe({ server, stripe }, user, monthly);
    await mail.waitForMail({ to: user.email, subject: /receipt/ }); // the first invoice's
    stripe.clock.advance(MONTH_SECONDS);
    const renewal = stripe.scenarios.renewSubscription(subscriptionId, { paymentSucceeds: true });
    const paid = renewal.event('invoice.paid');
    const invoice = must(renewal.invoice, 'the renewal invoice');

    const [first, second] = world.instances as [TestServer, TestServer];
    const deliveries = await Promise.all(
      [first, second, first, second, first].map((instance) => deliver(instance, stripe, paid)),
    );
    expect(deliveries.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    await processed([paid]);
    await mail.waitUntil(() => mailsAbout(user.email, /receipt/).length >= 2, 15_000, 'the renewal receipt');

    const receipts = await outboxRows(user.email, 'billing-receipt');
    expect(receipts).toHaveLength(2); // the first invoice's and the renewal's, each once
    await deliverAll(server, stripe, [paid]); // and once more, after it was done
    await processed([paid]);
    expect(await outboxRows(user.email, 'billing-receipt')).toHaveLength(2);
    const renewalReceipts = mailsAbout(user.email, /receipt/).filter((received) =>
      received.links.includes(must(invoice.hosted_invoice_url, 'a hosted link')),
    );
    expect(renewalReceipts).toHaveLength(1);
    expect(renewalReceipts[0]!.subject).toBe('Your Tollgate receipt: $19.00 paid');
    expect(renewalReceipts[0]!.text).toContain(`invoice ${invoice.number}`);
  });

  it('mails a failed payment with the end of the grace period, once per attempt, then the receipt', async () => {
    const user = await signUp(server.url, 'declined');
    const { subscriptionId, renewal, renewalEvents } = await subscriberWithRenewal(user, false);
    const pastDue = await eventually(async () => {
      const summary = must(await subscriptionOf(server, user), 'a subscription');
      expect(summary).toMatchObject({ status: 'past_due', graceUntil: expect.any(String) });
      return summary;
    });
    const failure = renewalEvents.event('invoice.payment_failed');

    const failed = await mail.waitForMail({ to: user.email, subject: /payment .* failed/ });
    expect(failed.subject).toBe('Your Tollgate payment of $19.00 failed');
    expect(failed.text).toContain(`Access continues until ${pastDue.graceUntil}`);
    expect(failed.text).toContain(`invoice ${renewal.number}`);
    expect(failed.links).toContain(BILLING_PAGE);
    await deliverAll(server, stripe, [failure, failure]);
    await processed([failure]);
    expect(await outboxRows(user.email, 'billing-payment-failed')).toHaveLength(1);
    expect((await invoicesOf(bearer(user))).data[0]).toEqual(asListed(renewal.id));
    expect(asListed(renewal.id)).toMatchObject({ status: 'open', amountPaid: 0 });

    // Stripe's retry goes through: the invoice is paid, and its receipt follows.
    const retried = stripe.scenarios.payInvoice(renewal.id);
    await deliverAll(server, stripe, retried.events);
    await eventually(async () =>
      expect((await invoicesOf(bearer(user))).data[0]).toMatchObject({
        id: renewal.id,
        status: 'paid',
        amountPaid: 1900,
      }),
    );
    await mail.waitUntil(() => mailsAbout(user.email, /receipt/).length === 2, 15_000, 'the late receipt');
    // A failure that arrives only after the retry went through is no news: the invoice says paid.
    stripe.clock.advance(MONTH_SECONDS);
    const next = stripe.scenarios.renewSubscription(subscriptionId, { paymentSucceeds: false });
    const recovered = stripe.scenarios.payInvoice(must(next.invoice, 'the next invoice').id);
    await deliverAll(server, stripe, [...recovered.events, ...next.events]);
    await processed([...recovered.events, ...next.events]);
    expect(await outboxRows(user.email, 'billing-payment-failed')).toHaveLength(1);
    expect(await outboxRows(user.email, 'billing-receipt')).toHaveLength(3);
  });

  it('mails the end of a trial three days ahead, once, with its date', async () => {
    const trialPlan = await createPlan(server, asAdmin, {
      ...paidPlan(uniquePlanKey('trial')),
      name: 'Trial Pro',
      trialDays: 14,
    });
    const user = await signUp(server.url, 'trial');
    const session = (
      await api(server)
        .post('/v1/billing/checkout')
        .set(bearer(user))
        .send({ priceId: priceOf(trialPlan, 'month').id })
        .expect(201)
    ).body as { id: string };
    const completion = stripe.scenarios.completeCheckoutSession(session.id, {
      subscriptionStatus: 'trialing',
    });
    await deliverAll(server, stripe, completion.events);
    const subscription = must(completion.subscription, 'the subscription');
    const trialEnd = isoFromUnix(must(subscription.trial_end, 'a trial end'));
    await eventually(async () =>
      expect(await subscriptionOf(server, user)).toMatchObject({ status: 'trialing', trialEnd }),
    );

    const notice = stripe.scenarios
      .trialWillEnd(subscription.id)
      .event('customer.subscription.trial_will_end');
    await deliverAll(server, stripe, [notice, notice]);
    const ending = await mail.waitForMail({ to: user.email, subject: /trial ends soon/ });
    expect(ending.subject).toBe('Your Tollgate Trial Pro trial ends soon');
    expect(ending.text).toContain(`ends on ${trialEnd}`);
    expect(ending.links).toContain(BILLING_PAGE);
    await processed([notice]);
    expect(await outboxRows(user.email, 'billing-trial-ending')).toHaveLength(1);
    // No receipt for the trial's zero invoice.
    expect(await outboxRows(user.email, 'billing-receipt')).toEqual([]);
  });

  it('mails the end of a subscription once, when Stripe says it was deleted', async () => {
    const user = await signUp(server.url, 'ended');
    const { subscriptionId } = await subscribe({ server, stripe }, user, monthly);
    const ended = stripe.scenarios.deleteSubscription(subscriptionId);
    const deleted = ended.event('customer.subscription.deleted');
    await deliverAll(server, stripe, [deleted, deleted, deleted]);
    const canceled = await mail.waitForMail({ to: user.email, subject: /has ended/ });
    expect(canceled.subject).toBe('Your Tollgate Pro subscription has ended');
    expect(canceled.text).toContain(`ended on ${isoFromUnix(must(ended.subscription.ended_at, 'ended_at'))}`);
    expect(canceled.links).toContain(BILLING_PAGE);
    await processed([deleted]);
    expect(await outboxRows(user.email, 'billing-subscription-canceled')).toHaveLength(1);
    expect(await subscriptionOf(server, user)).toMatchObject({ status: 'canceled' });
  });

  it("keeps Stripe's state whatever the order: a voided invoice stays void when an older event comes last", async () => {
    const user = await signUp(server.url, 'voided');
    const { renewal, renewalEvents } = await subscriberWithRenewal(user, false);
    const voided = stripe.scenarios.voidInvoice(renewal.id);
    await deliverAll(server, stripe, voided.events);
    await eventually(async () =>
      expect((await invoicesOf(bearer(user))).data[0]).toMatchObject({ id: renewal.id, status: 'void' }),
    );
    // The renewal's earlier events, delivered again (their payloads say open): the row stays void.
    const stale = [renewalEvents.event('invoice.finalized'), renewalEvents.event('invoice.payment_failed')];
    await deliverAll(server, stripe, stale);
    await processed(stale);
    expect((await invoicesOf(bearer(user))).data[0]).toEqual(asListed(renewal.id));
    expect(asListed(renewal.id).status).toBe('void');
  });

  it('fills in invoices that no webhook brought, on reconciliation, without mailing them', async () => {
    const user = await signUp(server.url, 'reconciled');
    const session = (
      await api(server)
        .post('/v1/billing/checkout')
        .set(bearer(user))
        .send({ priceId: monthly.id })
        .expect(201)
    ).body as { id: string };
    const completion = stripe.scenarios.completeCheckoutSession(session.id, { subscriptionStatus: 'active' });
    const subscription = must(completion.subscription, 'the subscription');
    stripe.clock.advance(MONTH_SECONDS);
    const renewal = must(
      stripe.scenarios.renewSubscription(subscription.id, { paymentSucceeds: true }).invoice,
      'the renewal invoice',
    );
    expect((await invoicesOf(bearer(user))).data).toEqual([]);

    await api(server).post(`/v1/admin/users/${user.id}/reconcile`).set(asAdmin).expect(200);
    const first = must(completion.invoice, 'the first invoice');
    expect(await invoicesOf(bearer(user))).toEqual({
      data: [asListed(renewal.id), asListed(first.id)],
      nextCursor: null,
    });
    expect(await outboxRows(user.email, 'billing-receipt')).toEqual([]);
  });
});
