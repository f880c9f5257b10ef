import { randomUUID } from 'node:crypto';

import { EventObject } from '../test/stripe-double';
import { must } from '../test/support/must';
import { Cast } from './cast';
import { query } from './database';
import { call, sleep } from './http';
import { LoadSpec } from './load';
import { WEBHOOK_PATH, WEBHOOK_SECRET, World } from './world';

export interface AccessSample {
  /** Sending checkout.session.completed until its 2xx. */
  ackMs: number;
  /** Its 2xx until GET /v1/reports/summary answers 200 on the polled instance. */
  accessAfterAckMs: number;
  polls: number;
}

const POLL_INTERVAL_MS = 2;

/**
 * A new user with a pending checkout, whose 402 both instances have cached; the checkout completes
 * on Stripe, its checkout.session.completed goes to `webhookUrl`, and `pollUrl` is asked until 200.
 */
export async function webhookToAccess(
  world: World,
  cast: Cast,
  webhookUrl: string,
  pollUrl: string,
): Promise<AccessSample> {
  const account = await world.signUp('latency');
  const sessionId = await world.checkout(account, cast.monthly);
  for (const url of new Set([webhookUrl, pollUrl])) {
    const before = await call('GET', `${url}/v1/reports/summary`, { token: account.token });
    if (before.status !== 402) throw new Error(`a new user got ${before.status} on reports`);
  }
  const completion = world.stripe.scenarios.completeCheckoutSession(sessionId, {
    subscriptionStatus: 'active',
  });
  const completed = completion.event('checkout.session.completed');

  const sentAt = performance.now();
  const ack = await world.deliver(completed, webhookUrl);
  const ackedAt = performance.now();
  if (ack.status !== 200) throw new Error(`checkout.session.completed answered ${ack.status}`);
  let polls = 0;
  for (;;) {
    polls++;
    const reply = await call('GET', `${pollUrl}/v1/reports/summary`, { token: account.token });
    if (reply.status === 200) break;
    if (performance.now() - ackedAt > 10_000) throw new Error(`no access 10 s after the webhook's 2xx`);
    await sleep(POLL_INTERVAL_MS);
  }
  const grantedAt = performance.now();
  await world.deliverAll(completion.events.filter((event) => event !== completed));
  return { ackMs: ackedAt - sentAt, accessAfterAckMs: grantedAt - ackedAt, polls };
}

/** Signs each request anew: a distinct event id (and object) every time, as Stripe would send them. */
function signedEvents(world: World, next: (serial: string) => object): LoadSpec['setupRequest'] {
  const run = randomUUID().slice(0, 8);
  let counter = 0;
  return (request) => {
    const { body, headers } = world.stripe.signedWebhook(next(`${run}_${++counter}`), WEBHOOK_SECRET);
    return {
      ...request,
      method: 'POST',
      path: WEBHOOK_PATH,
      body,
      headers: { 'stripe-signature': headers['stripe-signature'], 'content-type': 'application/json' },
    };
  };
}

/** An event type the service does not handle: verified, stored, marked ignored. */
export function ignoredEventsSpec(world: World, apiVersion: string): Omit<LoadSpec, 'name' | 'group'> {
  return {
    url: `${world.primary.url}${WEBHOOK_PATH}`,
    expectStatus: 200,
    setupRequest: signedEvents(world, (serial) => ({
      id: `evt_bench_${serial}`,
      object: 'event',
      api_version: apiVersion,
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type: 'payment_intent.created',
      data: { object: { id: `pi_bench_${serial}`, object: 'payment_intent', amount: 100, currency: 'usd' } },
    })),
  };
}

/**
 * A paid 1-credit pack per event (a new Checkout Session each time, paid in the Stripe double):
 * verified, stored, retrieved from Stripe, credited. The templates' buyers take turns.
 */
export function creditPackEventsSpec(
  world: World,
  templates: EventObject[],
): Omit<LoadSpec, 'name' | 'group'> {
  let turn = 0;
  return {
    url: `${world.primary.url}${WEBHOOK_PATH}`,
    expectStatus: 200,
    setupRequest: signedEvents(world, (serial) => {
      const template = must(templates[turn++ % templates.length], 'a credit pack event to copy');
      const session = { session: `cs_bench_${serial}`, paymentIntent: `pi_bench_pack_${serial}` };
      // The service fulfils a session as Stripe has it, so Stripe must have this one, paid.
      world.stripe.scenarios.repeatPaidCheckoutSession(String(template.data.object.id), session);
      return {
        ...template,
        id: `evt_bench_${serial}`,
        created: Math.floor(Date.now() / 1000),
        data: {
          ...template.data,
          object: { ...template.data.object, id: session.session, payment_intent: session.paymentIntent },
        },
      };
    }),
  };
}

/** Stored webhook events by status, straight from the database. */
export async function webhookStatusCounts(databaseUrl: string): Promise<Record<string, number>> {
  const rows = await query<{ status: string; count: string }>(
    databaseUrl,
    'SELECT status, count(*) AS count FROM webhook_events GROUP BY status',
  );
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
}

/** How many of the bench's credit-pack events are stored. */
export async function storedCreditPackEvents(databaseUrl: string): Promise<number> {
  const [row] = await query<{ count: string }>(
    databaseUrl,
    `SELECT count(*) AS count FROM webhook_events WHERE type = 'checkout.session.completed' AND id LIKE 'evt_bench_%'`,
  );
  return Number(must(row, 'a count row').count);
}
