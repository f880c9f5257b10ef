import { randomUUID } from 'node:crypto';

import { must } from '../test/support/must';
import { CpuUse, watchCpu } from './cpu';
import { query } from './database';
import { sleep } from './http';
import { World } from './world';

/** What the overage of a burst of active accounts costs to report: the worker's pace, Stripe being local. */
export interface MeterEventThroughput {
  accounts: number;
  /** From the rows falling due to the last one marked sent. */
  seconds: number;
  eventsPerMinute: number;
  /** What the Stripe double holds afterwards: one event per account, the units summed. */
  stripeEvents: number;
  stripeUnits: number;
  unitsWritten: number;
  /** Over the drain, in cores: the server, PostgreSQL, this process (the Stripe double), and the rest. */
  cpu: CpuUse | null;
}

const CUSTOMER_CREATES_AT_ONCE = 20;

/**
 * `accounts` accounts, each with a Stripe customer and one window of overage whose minute has ended
 * (rows written as a quota flush writes them), held back until all are in place; then every row falls
 * due at once, and the time until the last is marked sent is what one instance's MeterEventWorker
 * (default settings) takes to send them to the Stripe double over HTTP.
 */
export async function measureMeterEvents(world: World, accounts: number): Promise<MeterEventThroughput> {
  const stripe = world.stripe.createClient({ maxNetworkRetries: 0 });
  const eventName = `bench_overage_${randomUUID().slice(0, 8)}`;
  await stripe.billing.meters.create({
    display_name: 'Bench overage',
    event_name: eventName,
    default_aggregation: { formula: 'sum' },
  });
  const customers: string[] = [];
  for (let start = 0; start < accounts; start += CUSTOMER_CREATES_AT_ONCE) {
    const batch = Array.from({ length: Math.min(CUSTOMER_CREATES_AT_ONCE, accounts - start) }, (_, index) =>
      stripe.customers.create({ email: `meter-${start + index}@bench.test` }),
    );
    customers.push(...(await Promise.all(batch)).map((customer) => customer.id));
  }
  const url = world.database.url;
  const list = (values: string[]) => `ARRAY[${values.map((value) => `'${value}'`).join(',')}]`;
  await query(
    url,
    `WITH created AS (
       INSERT INTO accounts (id, name, stripe_customer_id)
       SELECT gen_random_uuid(), 'bench meter ' || customer, customer FROM unnest(${list(customers)}) AS customer
       RETURNING id),
     rows AS (SELECT gen_random_uuid() AS row_id, id AS account_id FROM created)
     INSERT INTO meter_event_outbox (id, identifier, account_id, event_name, value, window_start, window_end, next_attempt_at)
     SELECT row_id, 'tg_' || replace(row_id::text, '-', ''), account_id, '${eventName}', 1 + (random() * 9)::int,
            date_trunc('minute', now()) - interval '1 minute', date_trunc('minute', now()), 'infinity'
       FROM rows`,
  );
  const [written] = await query<{ units: number }>(
    url,
    `SELECT sum(value)::int AS units FROM meter_event_outbox WHERE event_name = '${eventName}'`,
  );

  const cpu = watchCpu(world.primary.child.pid);
  const [due] = await query<{ at: Date }>(
    url,
    `UPDATE meter_event_outbox SET next_attempt_at = now() WHERE event_name = '${eventName}' RETURNING now() AS at`,
  );
  const dueAt = must(due, 'the rows falling due').at.getTime();
  let lastSentAt: number;
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    const [state] = await query<{ sent: number; last: Date | null }>(
      url,
      `SELECT count(*) FILTER (WHERE status = 'sent')::int AS sent, max(sent_at) AS last
         FROM meter_event_outbox WHERE event_name = '${eventName}'`,
    );
    if (state && state.sent === accounts && state.last) {
      lastSentAt = state.last.getTime();
      break;
    }
    if (Date.now() > deadline)
      throw new Error(`${state?.sent ?? 0} of ${accounts} meter events sent in 5 minutes`);
    await sleep(100);
  }
  const cpuUse = cpu();
  const events = world.stripe.meterEvents({ eventName });
  const seconds = (lastSentAt - dueAt) / 1000;
  return {
    accounts,
    seconds,
    eventsPerMinute: (accounts / seconds) * 60,
    stripeEvents: events.length,
    stripeUnits: events.reduce((total, event) => total + Number(event.payload.value), 0),
    unitsWritten: must(written, 'the units written').units,
    cpu: cpuUse,
  };
}

export function describeMeterEvents(result: MeterEventThroughput): string[] {
  const { cpu } = result;
  const cpuLine = cpu
    ? [
        `CPU over the drain, in cores of ${cpu.cores}: server ${cpu.server.toFixed(2)}, PostgreSQL ${cpu.postgres.toFixed(2)},`,
        `the bench with the Stripe double ${cpu.loadGenerator.toFixed(2)}, processes outside the bench ${cpu.foreign.toFixed(2)}`,
        `(${(((cpu.server + cpu.postgres + cpu.loadGenerator) * result.seconds * 1000) / result.accounts).toFixed(1)} ms of CPU per event, all three together).`,
      ]
    : [];
  return [
    `${result.accounts.toLocaleString('en-US')} accounts, each with one closed window of overage pending, all due at once:`,
    `one instance sent them in ${result.seconds.toFixed(2)} s, **${Math.round(result.eventsPerMinute).toLocaleString('en-US')} meter events a minute**`,
    `(default worker settings: claims of 100 rows, 16 sends in flight, to the Stripe double on 127.0.0.1).`,
    `The double then held ${result.stripeEvents} events summing ${result.stripeUnits} units; the outbox rows held ${result.unitsWritten}.`,
    ...cpuLine,
  ];
}
