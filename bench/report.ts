import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import prettier from 'prettier';

import { LoadResult, LoadSettings } from './load';
import { describeStripeBurst, StripeBurstResult } from './stripe-burst';

export interface Machine {
  date: string;
  commit: string;
  cores: number;
  cpu: string;
  node: string;
  postgres: string;
}

export interface AccessSummary {
  label: string;
  samples: number;
  ackMedian: number;
  ackMax: number;
  accessMedian: number;
  accessMax: number;
  totalMedian: number;
  totalMax: number;
}

export interface CacheHitCheck {
  label: string;
  route: string;
  requests: number;
  statuses: Record<string, number>;
  seconds: number;
  /** Every acquire during the burst, per request. */
  rawAcquiresPerRequest: number;
  /** Acquires in an idle span as long as the burst, right after it: the instance's own polling. */
  backgroundAcquires: number;
  /** What the requests cost: the burst's acquires less the idle span's, per request. */
  acquiresPerRequest: number;
  /** Quota flushes and lease requests during the burst. */
  quotaWrites: number;
  expected: number;
}

export interface Target {
  target: string;
  measured: string;
  met: boolean | null;
}

export interface Report {
  machine: Machine;
  settings: LoadSettings;
  loads: LoadResult[];
  ratios: { label: string; value: string }[];
  cacheHits: CacheHitCheck[];
  stripeCallsUnderLoad: number;
  access: AccessSummary[];
  webhookBacklog: string[];
  /** Overage reported to Stripe: how fast the meter event outbox drains (empty when not measured). */
  meterEvents: string[];
  /** The webhook burst against a slow, rate-limited Stripe (null when not run). */
  stripeBurst: StripeBurstResult | null;
  targets: Target[];
}

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'prisma', 'package.json'], {
      encoding: 'utf8',
    }).trim();
    return dirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    return 'unknown';
  }
}

export function describeMachine(postgres: string): Machine {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  return {
    date: new Date().toISOString(),
    commit: process.env.BENCH_COMMIT ?? gitCommit(),
    cores: os.availableParallelism(),
    cpu: model.trim(),
    node: process.version,
    postgres,
  };
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : '–');
const int = (value: number) => Math.round(value).toLocaleString('en-US');

function loadTable(loads: LoadResult[]): string[] {
  const lines = [
    '| group | route | expected | req/s | p50 ms | p99 ms | unexpected | DB acquires/req | CPU cores: server / PG / autocannon / other | note |',
    '|---|---|---|--:|--:|--:|--:|--:|--:|---|',
  ];
  for (const load of loads) {
    const acquires = load.acquiresPerRequest === null ? '–' : load.acquiresPerRequest.toFixed(3);
    const cpu = load.cpu
      ? [load.cpu.server, load.cpu.postgres, load.cpu.loadGenerator, load.cpu.foreign]
          .map((v) => v.toFixed(2))
          .join(' / ')
      : '–';
    const unexpected =
      load.unexpected === 0
        ? '0'
        : `${load.unexpected} (${Object.entries(load.statuses)
            .filter(([status]) => Number(status) !== load.expectStatus)
            .map(([status, count]) => `${status}×${count}`)
            .join(', ')})`;
    lines.push(
      `| ${load.group} | ${load.name} | ${load.expectStatus} | ${int(load.rps)} | ${ms(load.p50)} | ${ms(load.p99)} | ${unexpected} | ${acquires} | ${cpu} | ${load.note ?? ''} |`,
    );
  }
  return lines;
}

function interleavedNames(loads: LoadResult[]): string {
  return loads
    .filter((load) => load.roundRps)
    .map((load) => load.name)
    .join(', ');
}

function roundsTable(loads: LoadResult[]): string[] {
  const interleaved = loads.filter((load) => load.roundRps);
  const rounds = interleaved[0]?.roundRps?.length;
  if (!rounds) return [];
  return [
    '### Interleaved rounds (req/s)',
    '',
    `| route | ${Array.from({ length: rounds }, (_, round) => `round ${round + 1}`).join(' | ')} | median |`,
    `|---|${'--:|'.repeat(rounds + 1)}`,
    ...interleaved.map(
      (load) => `| ${load.name} | ${load.roundRps!.map(int).join(' | ')} | ${int(load.rps)} |`,
    ),
    '',
  ];
}

function contentionWarning(loads: LoadResult[]): string[] {
  const busy = loads.filter((load) => (load.cpu?.foreign ?? 0) > 0.1);
  if (busy.length === 0) return [];
  return [
    '',
    `**Warning:** processes outside the bench used more than 0.1 core during ${busy.length} of ${loads.length} measurements;`,
    'those rows understate what the service can do. Re-run on a quiet machine.',
  ];
}

export function renderResults(report: Report): string {
  const { machine, settings } = report;
  const lines = [
    `Run ${machine.date} of commit ${machine.commit} on ${machine.cores} cores (${machine.cpu}), Node ${machine.node},`,
    `PostgreSQL ${machine.postgres} (embedded, same machine). autocannon, ${settings.connections} connections, ${settings.warmupSeconds} s warm-up`,
    `(discarded) then ${settings.durationSeconds} s measured per route, one route after the other in one run;`,
    `the routes the budget compares with each other (${interleavedNames(report.loads)}) instead run in`,
    `${settings.rounds} interleaved rounds of ${settings.roundSeconds} s (each round starts one route further on): their`,
    'req/s is the median round, and their ratios are taken round by round (median), so that drift in the',
    "machine's speed over the run falls on both sides of a ratio alike.",
    'Latencies are measured per response with sub-millisecond precision, whatever the status. CPU is in cores',
    '(1.00 = one core all the time) over the measured window: the serving process, PostgreSQL, the load generator',
    '(autocannon, plus the Stripe double), and processes outside the bench (builds, test suites; 0 when quiet).',
    ...contentionWarning(report.loads),
    '',
    '### Throughput and latency',
    '',
    ...loadTable(report.loads),
    '',
    ...roundsTable(report.loads),
    '### Ratios (performance budget)',
    '',
    '| ratio | value |',
    '|---|--:|',
    ...report.ratios.map((ratio) => `| ${ratio.label} | ${ratio.value} |`),
    '',
    '### Database work on an entitlement-cache hit',
    '',
    '`db_pool_acquires_total` read from `/metrics` before and after 2,000 requests (10 connections) for one user whose',
    'entitlements are cached, less `payment_required_log_writes_total` (the batched write of recent 402s, at most',
    'one a second whatever their number, off the request path). The instance polls the database on its own (webhook,',
    'mail and meter-event workers, liveness): the acquires of an idle span as long as the burst, right after it, are',
    'subtracted for "per request"; "raw" is before that. Quota writes: `quota_writes_total` (flushes and leases).',
    '',
    '| burst | route | requests | statuses | seconds | DB acquires raw | idle span | DB acquires/req | quota writes | expected |',
    '|---|---|--:|---|--:|--:|--:|--:|--:|--:|',
    ...report.cacheHits.map(
      (check) =>
        `| ${check.label} | ${check.route} | ${check.requests} | ${Object.entries(check.statuses)
          .map(([status, count]) => `${status}×${count}`)
          .join(
            ', ',
          )} | ${check.seconds.toFixed(2)} | ${(check.rawAcquiresPerRequest * check.requests).toFixed(0)} | ${check.backgroundAcquires} | ${check.acquiresPerRequest.toFixed(3)} | ${check.quotaWrites} | ${check.expected} |`,
    ),
    '',
    `Stripe API calls received by the double while the guarded routes were under load: ${report.stripeCallsUnderLoad}.`,
    '',
    '### Webhook 2xx → access',
    '',
    'A new user with a pending checkout; both instances have answered it 402 (cached). `checkout.session.completed`',
    'is posted signed; then `GET /v1/reports/summary` is polled every ~2 ms until 200.',
    '',
    '| path | samples | webhook 2xx (median / max ms) | 2xx → 200 (median / max ms) | send → 200 (median / max ms) |',
    '|---|--:|--:|--:|--:|',
    ...report.access.map(
      (row) =>
        `| ${row.label} | ${row.samples} | ${ms(row.ackMedian)} / ${ms(row.ackMax)} | ${ms(row.accessMedian)} / ${ms(row.accessMax)} | ${ms(row.totalMedian)} / ${ms(row.totalMax)} |`,
    ),
    '',
    ...(report.webhookBacklog.length > 0
      ? ['Webhook load, afterwards:', '', ...report.webhookBacklog, '']
      : []),
    ...(report.meterEvents.length > 0 ? ['### Overage meter events', '', ...report.meterEvents, ''] : []),
    ...(report.stripeBurst
      ? [
          '### Webhook burst against a Stripe that paces like Stripe',
          '',
          'The Stripe double answers every call in 80–300 ms and at most 25 a second (429 beyond); the service runs with',
          'its default `STRIPE_MAX_RPS`. Each subscription renews once; its `customer.subscription.updated` and',
          '`invoice.paid` are each posted 5 times under distinct event ids, shuffled, over 50 connections.',
          '',
          '| measure | value |',
          '|---|---|',
          ...describeStripeBurst(report.stripeBurst),
          '',
        ]
      : []),
    '### Targets',
    '',
    '| target | measured | met |',
    '|---|---|---|',
    ...report.targets.map(
      (target) =>
        `| ${target.target} | ${target.measured} | ${target.met === null ? 'n/a' : target.met ? 'yes' : '**no**'} |`,
    ),
  ];
  return lines.join('\n');
}

const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

/** Replaces the results section of the file (between the markers), keeping the rest; Prettier-formatted. */
export async function writeResults(file: string, results: string): Promise<void> {
  const current = existsSync(file) ? readFileSync(file, 'utf8') : `# Benchmarks\n\n${START}\n${END}\n`;
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  const section = `${START}\n${results}\n${END}`;
  const next =
    start >= 0 && end > start
      ? `${current.slice(0, start)}${section}${current.slice(end + END.length)}`
      : `${current.trimEnd()}\n\n## Results\n\n${section}\n`;
  const options = (await prettier.resolveConfig(file)) ?? {};
  writeFileSync(file, await prettier.format(next, { ...options, filepath: file }));
}
