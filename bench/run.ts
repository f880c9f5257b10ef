/**
 * `npm run bench`: the compiled server on a throw-away PostgreSQL and the Stripe double, loaded route
 * by route with autocannon; writes the results section of BENCHMARKS.md.
 *
 * BENCH_CONNECTIONS (50), BENCH_WARMUP (3 s), BENCH_DURATION (10 s), BENCH_ROUNDS (5) and
 * BENCH_ROUND_SECONDS (4) for the interleaved routes, BENCH_LATENCY_SAMPLES (10);
 * BENCH_ONLY=<regex> runs only the routes whose name matches (and the meter events' drain when it matches
 * "meter events") and prints instead of writing the file;
 * BENCH_CPU_PROF=<dir> runs the servers with --cpu-prof into that directory; BENCH_PG_LOG=1 prints
 * PostgreSQL's log; BENCH_COMMIT names what was measured when it is not the git checkout's HEAD.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';

import { must } from '../test/support/must';
import { PgYardstick, startBareApps, startPgYardstick } from './bare-apps';
import { Cast, createCast } from './cast';
import { query } from './database';
import { metricValue } from './http';
import { burst, LoadResult, LoadSettings, LoadSpec, measure, measureInterleaved, median } from './load';
import { AccessSummary, CacheHitCheck, describeMachine, renderResults, Report, writeResults } from './report';
import { pacedName, PG_YARDSTICKS, ROUTES } from './routes';
import { evaluate } from './targets';
import { describeMeterEvents, measureMeterEvents } from './meter-events';
import { ESTIMATE_BODY, loadSpecs, optionalRoutes, pgYardstickConfig } from './specs';
import { measureStripeBurst, StripeBurstResult } from './stripe-burst';
import { AccessSample, storedCreditPackEvents, webhookStatusCounts, webhookToAccess } from './webhooks';
import { until, World } from './world';

const RESULTS_FILE = path.join(__dirname, '..', 'BENCHMARKS.md');
const BURST_SIZE = 2_000;
const SUMMARY = '/v1/reports/summary';
/** BENCH_ONLY matches this name to run the meter event measurement. */
const METER_EVENTS = 'meter events';
/** BENCH_ONLY matches this name to run the webhook burst against a Stripe that paces like Stripe. */
const STRIPE_BURST_NAME = 'stripe burst';
const METER_EVENT_ACCOUNTS = 1_000;

function numberFrom(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number`);
  return value;
}

/**
 * The routes the performance budget compares with each other: measured in interleaved rounds, so that
 * the machine's drift over a run (shared cores) does not decide a ratio.
 */
const INTERLEAVED = new Set<string>([
  ROUTES.nest,
  ROUTES.nestValidatedPost,
  ROUTES.me,
  ...PG_YARDSTICKS.flat(),
  ROUTES.health,
  ROUTES.session,
  ROUTES.reportsAccess,
  ROUTES.reportsAccessTeam,
  ROUTES.quotaGranted,
  ROUTES.quotaGrantedGet,
]);

function describe(result: LoadResult): string {
  const rounds = result.roundRps ? ` (rounds: ${result.roundRps.map(Math.round).join(', ')})` : '';
  return `${Math.round(result.rps)} req/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms${rounds}`;
}

/**
 * What the guard adds to a request's latency, apart from queueing: the like-for-like pair at a steady
 * rate well below what either serves (at saturation p99 is mostly the queue, and swings with the machine).
 */
const PACED_RATE = 2_000;
const PACED_CONNECTIONS = 10;

async function measurePacedPair(specs: LoadSpec[], settings: LoadSettings): Promise<LoadResult[]> {
  const pair = [ROUTES.session, ROUTES.reportsAccess].map((name) => specs.find((spec) => spec.name === name));
  if (!pair[0] || !pair[1]) return [];
  log(`loading the guard's pair at a steady ${PACED_RATE} req/s, in ${settings.rounds} interleaved rounds`);
  const paced = pair.map((spec) => ({
    ...spec!,
    name: pacedName(spec!.name),
    group: 'latency',
    ratePerSecond: PACED_RATE,
    note: `steady ${PACED_RATE.toLocaleString('en-US')} req/s, ${PACED_CONNECTIONS} connections`,
  }));
  const results = await measureInterleaved(paced, {
    ...settings,
    connections: PACED_CONNECTIONS,
    warmupSeconds: Math.min(settings.warmupSeconds, 1),
  });
  for (const result of results) log(`  ${result.name}: ${describe(result)}`);
  return results;
}

const startedAt = performance.now();
function log(message: string): void {
  process.stderr.write(`[bench ${((performance.now() - startedAt) / 1000).toFixed(1)} s] ${message}\n`);
}

async function cacheHitBurst(
  world: World,
  label: string,
  route: string,
  token: string,
  expected: number,
  body?: object,
): Promise<CacheHitCheck> {
  const spec: LoadSpec = {
    name: label,
    group: 'cache',
    url: `${world.primary.url}${route}`,
    expectStatus: 0,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { method: 'POST', body: JSON.stringify(body) } : {}),
  };
  await burst(spec, 10, 1); // the entry is cached after this
  // The once-a-second write of recent 402s is background work, whatever the number of 402s: not counted.
  const databaseWork = async () =>
    (await metricValue(world.primary.url, 'db_pool_acquires_total')) -
    (await metricValue(world.primary.url, 'payment_required_log_writes_total'));
  const quotaWrites = () => metricValue(world.primary.url, 'quota_writes_total');
  const before = await databaseWork();
  const quotaBefore = await quotaWrites();
  const startedAt = performance.now();
  const { requests, statuses } = await burst(spec, BURST_SIZE, 10);
  const seconds = (performance.now() - startedAt) / 1000;
  const after = await databaseWork();
  const quotaAfter = await quotaWrites();
  // The instance's own polls (webhook, mail and meter-event workers, liveness) run whether requests
  // come or not: the same span of idleness right after tells how much of the burst's count is theirs.
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const idle = (await databaseWork()) - after;
  return {
    label,
    route,
    requests,
    statuses,
    seconds,
    rawAcquiresPerRequest: (after - before) / requests,
    backgroundAcquires: idle,
    acquiresPerRequest: Math.max(0, after - before - idle) / requests,
    quotaWrites: quotaAfter - quotaBefore,
    expected,
  };
}

function summarize(label: string, samples: AccessSample[]): AccessSummary {
  const pick = (key: 'ack' | 'access' | 'total') =>
    samples.map((sample) =>
      key === 'ack'
        ? sample.ackMs
        : key === 'access'
          ? sample.accessAfterAckMs
          : sample.ackMs + sample.accessAfterAckMs,
    );
  return {
    label,
    samples: samples.length,
    ackMedian: median(pick('ack')),
    ackMax: Math.max(...pick('ack')),
    accessMedian: median(pick('access')),
    accessMax: Math.max(...pick('access')),
    totalMedian: median(pick('total')),
    totalMax: Math.max(...pick('total')),
  };
}

async function postgresVersion(url: string): Promise<string> {
  const [row] = await query<{ server_version: string }>(url, 'SHOW server_version');
  return must(row, 'a server_version row').server_version;
}

async function totalCredits(world: World, cast: Cast): Promise<number> {
  const balances = await Promise.all(cast.payers.map((payer) => world.creditBalance(payer)));
  return balances.reduce((total, balance) => total + balance, 0);
}

async function webhookBacklog(world: World, cast: Cast, creditsBefore: number): Promise<string[]> {
  const unfinished = (counts: Record<string, number>) =>
    (counts.pending ?? 0) + (counts.processing ?? 0) + (counts.failed ?? 0);
  const waitStart = performance.now();
  await until(
    async () => unfinished(await webhookStatusCounts(world.database.url)) === 0,
    'webhooks left',
    30_000,
  ).catch(() => undefined);
  const waited = performance.now() - waitStart;
  const counts = await webhookStatusCounts(world.database.url);
  const accepted = await storedCreditPackEvents(world.database.url);
  const credited = (await totalCredits(world, cast)) - creditsBefore;
  return [
    `- stored events by status: ${Object.entries(counts)
      .map(([status, count]) => `${status} ${count}`)
      .join(', ')} (unfinished after ${(waited / 1000).toFixed(1)} s: ${unfinished(counts)})`,
    `- credit-pack events stored (warm-up included): ${accepted}; credits they added: ${credited}`,
  ];
}

async function main(): Promise<void> {
  const settings: LoadSettings = {
    connections: numberFrom('BENCH_CONNECTIONS', 50),
    warmupSeconds: numberFrom('BENCH_WARMUP', 3),
    durationSeconds: numberFrom('BENCH_DURATION', 10),
    rounds: numberFrom('BENCH_ROUNDS', 5),
    roundSeconds: numberFrom('BENCH_ROUND_SECONDS', 4),
  };
  const latencySamples = numberFrom('BENCH_LATENCY_SAMPLES', 10);
  const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;
  const nodeArgs: string[] = [];
  if (process.env.BENCH_CPU_PROF) {
    const directory = path.resolve(process.env.BENCH_CPU_PROF);
    mkdirSync(directory, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${directory}`);
  }

  log('starting the yardsticks, PostgreSQL, the Stripe double and the server');
  const [bareStarted, worldStarted] = await Promise.allSettled([
    startBareApps(nodeArgs),
    World.start(nodeArgs),
  ]);
  if (bareStarted.status === 'rejected' || worldStarted.status === 'rejected') {
    if (bareStarted.status === 'fulfilled') bareStarted.value.stop();
    if (worldStarted.status === 'fulfilled') await worldStarted.value.stop();
    throw bareStarted.status === 'rejected'
      ? bareStarted.reason
      : (worldStarted as PromiseRejectedResult).reason;
  }
  const bare = bareStarted.value;
  const world = worldStarted.value;
  let pg: PgYardstick | undefined;
  try {
    log(`server up in ${world.primary.bootMs} ms; creating plans and accounts`);
    const cast = await createCast(world);
    pg = await startPgYardstick(await pgYardstickConfig(world, cast));
    const machine = describeMachine(await postgresVersion(world.database.url));

    const loads: LoadResult[] = [];
    const creditsBefore = await totalCredits(world, cast);
    const present = await optionalRoutes(world, cast, log);
    const specs = loadSpecs(world, cast, bare, present, pg).filter((spec) => !only || only.test(spec.name));
    const interleaved = specs.filter((spec) => INTERLEAVED.has(spec.name));
    if (interleaved.length > 1) {
      log(
        `loading in ${settings.rounds} interleaved rounds: ${interleaved.map((spec) => spec.name).join(', ')}`,
      );
      const results = await measureInterleaved(interleaved, settings, (round) =>
        log(`  round ${round + 1} done`),
      );
      for (const result of results) log(`  ${result.name}: ${describe(result)}`);
      loads.push(...results);
    }
    // Before the loads that leave PostgreSQL busy afterwards (vacuum after thousands of webhook rows).
    const paced = await measurePacedPair(specs, settings);
    for (const spec of specs) {
      if (interleaved.length > 1 && INTERLEAVED.has(spec.name)) continue;
      log(`loading ${spec.name}`);
      const result = await measure(spec, settings);
      log(`  ${describe(result)}`);
      loads.push(result);
    }
    loads.sort(
      (a, b) => specs.findIndex((s) => s.name === a.name) - specs.findIndex((s) => s.name === b.name),
    );
    loads.push(...paced);
    const webhookLines = loads.some((load) => load.group === 'webhooks')
      ? await webhookBacklog(world, cast, creditsBefore)
      : [];

    log('counting database work on cache hits');
    const cacheHits = [
      await cacheHitBurst(world, 'granted, handler with 2 counts', SUMMARY, cast.subscriber.token, 2),
      await cacheHitBurst(world, '402, no handler (free user)', SUMMARY, cast.free.token, 0),
    ];
    if (present.has('/v1/reports/access')) {
      cacheHits.push(
        await cacheHitBurst(
          world,
          'granted, no handler work',
          '/v1/reports/access',
          cast.subscriber.token,
          0,
        ),
      );
    }

    if (present.has('/v1/estimates')) {
      cacheHits.push(
        // The quota's once-a-second flush and its background lease renewals are counted in: the average.
        await cacheHitBurst(
          world,
          'quota counted (estimates), steady state',
          '/v1/estimates',
          cast.subscriber.token,
          0,
          ESTIMATE_BODY,
        ),
      );
    }

    log('webhook → access, one instance');
    const single: AccessSample[] = [];
    for (let i = 0; i < latencySamples; i++) {
      single.push(await webhookToAccess(world, cast, world.primary.url, world.primary.url));
    }
    log('webhook → access, across two instances');
    const secondary = await world.startSecondary();
    const across: AccessSample[] = [];
    for (let i = 0; i < latencySamples; i++) {
      across.push(await webhookToAccess(world, cast, world.primary.url, secondary.url));
    }
    await world.stopSecondary();

    const meterEvents: string[] = [];
    if (!only || only.test(METER_EVENTS)) {
      log(`${METER_EVENTS}: ${METER_EVENT_ACCOUNTS} accounts with overage pending`);
      const throughput = await measureMeterEvents(world, METER_EVENT_ACCOUNTS);
      log(`  ${throughput.seconds.toFixed(2)} s, ${Math.round(throughput.eventsPerMinute)} events/min`);
      meterEvents.push(...describeMeterEvents(throughput));
    }

    let stripeBurst: StripeBurstResult | null = null;
    if (!only || only.test(STRIPE_BURST_NAME)) {
      log(`${STRIPE_BURST_NAME}: renewals against a Stripe that is slow and rate-limited`);
      // A world of its own: the service runs with its default Stripe budget there, and nothing else
      // left in the inbox or the double's log weighs on the figures.
      const burstWorld = await World.start(nodeArgs);
      try {
        stripeBurst = await measureStripeBurst(burstWorld, log);
      } finally {
        await burstWorld.stop();
      }
    }

    const guarded = loads.filter((load) => load.group === 'paywall');
    const report: Report = {
      machine,
      settings,
      loads,
      ratios: [],
      cacheHits,
      stripeCallsUnderLoad: guarded.reduce((total, load) => total + (load.stripeCalls ?? 0), 0),
      access: [summarize('one instance', single), summarize('instance A → instance B', across)],
      webhookBacklog: webhookLines,
      meterEvents,
      stripeBurst,
      targets: [],
    };
    evaluate(report);
    const results = renderResults(report);
    if (only) {
      process.stdout.write(`${results}\n`);
    } else {
      await writeResults(RESULTS_FILE, results);
      process.stdout.write(`${results}\n\nWritten to ${path.relative(process.cwd(), RESULTS_FILE)}\n`);
    }
  } catch (error) {
    const { child } = world.primary;
    if (child.exitCode !== null || child.signalCode !== null) {
      log(
        `the server ended (${child.exitCode ?? child.signalCode}); its last output:\n${world.primary.output()}`,
      );
    }
    throw error;
  } finally {
    pg?.stop();
    bare.stop();
    await world.stop();
    log('done');
  }
}

void main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
