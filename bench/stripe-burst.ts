import path from 'node:path';
import { Worker } from 'node:worker_threads';

import { EventObject } from '../test/stripe-double';
import { must } from '../test/support/must';
import { proPlanBody } from '../test/support/plan-bodies';
import { query } from './database';
import { call, metricValue, sleep } from './http';
import { Account, Price, priceOf, SignedDelivery, WEBHOOK_PATH, World } from './world';

/** The renewal burst of issue 14: subscriptions, events per subscription, Stripe's pace. */
export const STRIPE_BURST = {
  subscriptions: 500,
  /** Of each type, per subscription: `customer.subscription.updated` and `invoice.paid`. */
  eventsPerTypeEach: 5,
  latencyMs: [80, 300] as [number, number],
  /** What the double allows; the service runs with its default STRIPE_MAX_RPS below it. */
  stripeMaxRps: 25,
  deliveryConnections: 50,
  checkouts: 20,
  checkoutIntervalMs: 250,
  drainTimeoutMs: 10 * 60_000,
};

interface BurstSubscriber {
  accountId: string;
  subscriptionId: string;
}

export interface StripeBurstResult {
  events: number;
  subscriptions: number;
  ackSeconds: number;
  ackPerSecond: number;
  ackP50Ms: number;
  ackP99Ms: number;
  ackStatuses: Record<string, number>;
  drainSeconds: number;
  failedEvents: number;
  pendingEvents: number;
  stripeRequests: number;
  stripeBusiestSecond: number;
  /** The same once every event was acknowledged (the double then shares this process with nothing busy). */
  stripeBusiestSecondAfterAcks: number;
  /** The most the service itself started within one second, by its own clock (its metric). */
  serviceBusiestSecond: number;
  stripe429s: number;
  stripe429sAfterAcks: number;
  subscriptionFetches: number;
  invoiceFetches: number;
  wrongStates: number;
  checkoutStatuses: Record<string, number>;
  checkoutP50Ms: number;
  checkoutP99Ms: number;
  checkoutMaxMs: number;
}

/**
 * Stripe as it is under a renewal burst: every call answered in 80–300 ms, 25 a second at most (429
 * beyond). 5,000 signed events for 500 subscriptions are posted as fast as 50 connections allow; the
 * acknowledgements are timed, the inbox is watched until it is drained, Stripe's request log tells the
 * calls per second, and meanwhile other users start checkouts, which must keep answering 201.
 */
export async function measureStripeBurst(
  world: World,
  log: (message: string) => void,
): Promise<StripeBurstResult> {
  const settings = STRIPE_BURST;
  const plan = await world.createPlan(
    proPlanBody(`burst-${Date.now().toString(36)}`, [{ interval: 'month', amount: 1900, currency: 'usd' }]),
  );
  const monthly = priceOf(plan, 'month');
  log(`  ${settings.subscriptions} subscribers`);
  // Teams of one owner: 500 accounts without 500 password hashes.
  const owner = await world.signUp('burst-owner');
  const subscribers = await inParallel(range(settings.subscriptions), 8, async (index) =>
    subscribe(world, owner, monthly, index),
  );
  const buyers = await inParallel(range(settings.checkouts), 4, (index) =>
    world.signUp(`burst-buyer-${index}`),
  );
  await drained(world, () => true, 60_000);
  // Set up without a budget; the burst meets the service as it ships: STRIPE_MAX_RPS at its default.
  await world.restartPrimary({ STRIPE_MAX_RPS: undefined });

  const events: EventObject[] = [];
  for (const { subscriptionId } of subscribers) {
    const renewal = world.stripe.scenarios.renewSubscription(subscriptionId, { paymentSucceeds: true });
    const updated = renewal.event('customer.subscription.updated');
    const paid = renewal.event('invoice.paid');
    for (let copy = 0; copy < settings.eventsPerTypeEach; copy++) {
      events.push({ ...updated, id: `${updated.id}_burst${copy}` });
      events.push({ ...paid, id: `${paid.id}_burst${copy}` });
    }
  }
  shuffle(events);
  // Signed ahead: the double shares this process, and its clock is what counts Stripe's requests.
  const deliveries = events.map((event) => world.sign(event));

  log(
    `  ${events.length} events, Stripe at ${settings.latencyMs.join('–')} ms and ${settings.stripeMaxRps}/s`,
  );
  world.stripe.clearRequests();
  world.stripe.behaveLikeStripe({ latencyMs: settings.latencyMs, maxRps: settings.stripeMaxRps });
  const burstStartedAt = performance.now();
  const checkouts = timedCheckouts(world, monthly, buyers);
  const acks = await deliverFromThread(
    `${world.primary.url}${WEBHOOK_PATH}`,
    deliveries,
    settings.deliveryConnections,
  );
  const ackSeconds = (performance.now() - burstStartedAt) / 1000;
  const acksEndedAt = Date.now();
  log(`  acknowledged in ${ackSeconds.toFixed(1)} s; waiting for the inbox to drain`);
  const ids = new Set(events.map((event) => event.id));
  const progress = await drained(world, (id) => ids.has(id), settings.drainTimeoutMs);
  const drainSeconds = (performance.now() - burstStartedAt) / 1000;
  const checkoutTimes = await checkouts;
  const requests = world.stripe.requests();
  world.stripe.behaveInstantly();
  const sentInBusiestSecond = await metricValue(world.primary.url, 'stripe_requests_busiest_second');
  log(`  drained in ${drainSeconds.toFixed(1)} s; comparing every subscription with Stripe's`);

  const wrongStates = await countWrongStates(world, subscribers);
  const afterAcks = requests.filter((request) => request.receivedAt.getTime() > acksEndedAt);
  const ackMs = acks.map((ack) => ack.ms).sort((a, b) => a - b);
  const checkoutMs = checkoutTimes.map((checkout) => checkout.ms).sort((a, b) => a - b);
  return {
    events: events.length,
    subscriptions: subscribers.length,
    ackSeconds,
    ackPerSecond: events.length / ackSeconds,
    ackP50Ms: percentile(ackMs, 0.5),
    ackP99Ms: percentile(ackMs, 0.99),
    ackStatuses: countBy(acks.map((ack) => String(ack.status))),
    drainSeconds,
    failedEvents: progress.failed,
    pendingEvents: progress.pending,
    stripeRequests: requests.length,
    stripeBusiestSecond: busiestSecond(requests),
    stripeBusiestSecondAfterAcks: busiestSecond(afterAcks),
    serviceBusiestSecond: sentInBusiestSecond,
    stripe429s: requests.filter((request) => request.status === 429).length,
    stripe429sAfterAcks: afterAcks.filter((request) => request.status === 429).length,
    subscriptionFetches: requests.filter(
      (request) => request.method === 'GET' && request.path.startsWith('/v1/subscriptions/'),
    ).length,
    invoiceFetches: requests.filter(
      (request) => request.method === 'GET' && request.path.startsWith('/v1/invoices/'),
    ).length,
    wrongStates,
    checkoutStatuses: countBy(checkoutTimes.map((checkout) => String(checkout.status))),
    checkoutP50Ms: percentile(checkoutMs, 0.5),
    checkoutP99Ms: percentile(checkoutMs, 0.99),
    checkoutMaxMs: checkoutMs[checkoutMs.length - 1] ?? 0,
  };
}

export function describeStripeBurst(result: StripeBurstResult): string[] {
  const ms = (value: number) => value.toFixed(0);
  return [
    `| events (subscriptions) | ${result.events.toLocaleString('en-US')} (${result.subscriptions}) |`,
    `| acknowledged: events/s (target ≥ 500) | ${result.ackPerSecond.toFixed(0)} in ${result.ackSeconds.toFixed(1)} s; statuses ${describeCounts(result.ackStatuses)} |`,
    `| acknowledgement p50 / p99 ms | ${ms(result.ackP50Ms)} / ${ms(result.ackP99Ms)} |`,
    `| all processed after (s) | ${result.drainSeconds.toFixed(1)}; failed ${result.failedEvents}, still pending ${result.pendingEvents} |`,
    `| Stripe requests (subscription GETs, invoice GETs) | ${result.stripeRequests} (${result.subscriptionFetches}, ${result.invoiceFetches}) |`,
    `| Stripe requests in the busiest second (limit ${STRIPE_BURST.stripeMaxRps}): all / after the acknowledgements | ${result.stripeBusiestSecond} / ${result.stripeBusiestSecondAfterAcks} |`,
    `| requests the service started in its busiest second, by its own clock | ${result.serviceBusiestSecond} |`,
    `| answered 429 by Stripe: all / after the acknowledgements | ${result.stripe429s} / ${result.stripe429sAfterAcks} |`,
    `| subscriptions whose stored state differs from Stripe's | ${result.wrongStates} of ${result.subscriptions} |`,
    `| checkouts by other users during the burst: statuses | ${describeCounts(result.checkoutStatuses)} |`,
    `| checkout p50 / p99 / max ms | ${ms(result.checkoutP50Ms)} / ${ms(result.checkoutP99Ms)} / ${ms(result.checkoutMaxMs)} |`,
  ];
}

/** Each delivery's status and time, sent by `delivery-thread.mjs` over `connections` lanes. */
function deliverFromThread(
  url: string,
  deliveries: SignedDelivery[],
  connections: number,
): Promise<{ status: number; ms: number }[]> {
  return new Promise((resolve, reject) => {
    const thread = new Worker(path.join(__dirname, 'delivery-thread.mjs'), {
      workerData: { url, deliveries, connections },
    });
    thread.once('message', resolve);
    thread.once('error', reject);
    thread.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the delivery thread exited with ${code}`));
    });
  });
}

async function subscribe(
  world: World,
  owner: Account,
  monthly: Price,
  index: number,
): Promise<BurstSubscriber> {
  const accountId = must(await world.createTeam(owner, `burst-${index}`), 'a team');
  const session = await call<{ id: string }>('POST', `${world.primary.url}/v1/billing/checkout`, {
    token: owner.token,
    headers: { 'x-account-id': accountId },
    body: { priceId: monthly.id },
  });
  if (session.status !== 201) throw new Error(`checkout for a team answered ${session.status}`);
  const sessionId = session.body.id;
  const completion = world.stripe.scenarios.completeCheckoutSession(sessionId, {
    subscriptionStatus: 'active',
  });
  await world.deliverAll(completion.events);
  return { accountId, subscriptionId: must(completion.subscription, 'a subscription').id };
}

/** Other users' checkouts, one every interval while the burst runs: status and time of each. */
async function timedCheckouts(
  world: World,
  monthly: Price,
  buyers: Account[],
): Promise<{ status: number; ms: number }[]> {
  const results: Promise<{ status: number; ms: number }>[] = [];
  for (const buyer of buyers) {
    const startedAt = performance.now();
    results.push(
      call('POST', `${world.primary.url}/v1/billing/checkout`, {
        token: buyer.token,
        body: { priceId: monthly.id },
      }).then((reply) => ({ status: reply.status, ms: performance.now() - startedAt })),
    );
    await sleep(STRIPE_BURST.checkoutIntervalMs);
  }
  return Promise.all(results);
}

/** Waits until no event the filter selects is still due; how many ended failed or are still pending. */
async function drained(
  world: World,
  selected: (id: string) => boolean,
  timeoutMs: number,
): Promise<{ failed: number; pending: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await query<{ id: string; status: string }>(
      world.database.url,
      `SELECT id, status FROM webhook_events WHERE status NOT IN ('processed', 'ignored')`,
    );
    const open = rows.filter((row) => selected(row.id));
    const failed = open.filter((row) => row.status === 'failed').length;
    const pending = open.length - failed;
    if (pending === 0 || Date.now() > deadline) return { failed, pending };
    await sleep(250);
  }
}

async function countWrongStates(world: World, subscribers: BurstSubscriber[]): Promise<number> {
  const stripe = world.stripe.createClient();
  const rows = await query<{ id: string; status: string; period_end: Date | null }>(
    world.database.url,
    `SELECT stripe_subscription_id AS id, status, current_period_end AS period_end FROM subscriptions`,
  );
  const stored = new Map(rows.map((row) => [row.id, row]));
  let wrong = 0;
  for (const { subscriptionId } of subscribers) {
    const remote = await stripe.subscriptions.retrieve(subscriptionId);
    const row = stored.get(subscriptionId);
    const periodEnd = remote.items.data[0]?.current_period_end;
    if (
      !row ||
      row.status !== remote.status ||
      row.period_end?.getTime() !== (periodEnd === undefined ? undefined : periodEnd * 1000)
    )
      wrong++;
  }
  return wrong;
}

async function inParallel<T, R>(items: T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  });
  await Promise.all(lanes);
  return results;
}

function range(count: number): number[] {
  return Array.from({ length: count }, (_, index) => index);
}

function shuffle<T>(items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

function describeCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([status, count]) => `${status}×${count}`)
    .join(', ');
}

/** The most requests the double received within one calendar second. */
function busiestSecond(requests: { receivedAt: Date }[]): number {
  const perSecond = new Map<number, number>();
  for (const request of requests) {
    const second = Math.floor(request.receivedAt.getTime() / 1000);
    perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
  }
  return Math.max(0, ...perSecond.values());
}
