import autocannon from 'autocannon';

import { must } from '../test/support/must';
import { CpuUse, watchCpu } from './cpu';

/** One route under load: what to send and which status every answer must have. */
export interface LoadSpec {
  name: string;
  /** e.g. "yardstick", "paywall": how the report groups the row. */
  group: string;
  url: string;
  expectStatus: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Paced load: this many requests per second in all, instead of as many as the server answers. */
  ratePerSecond?: number;
  /** A fresh request per call (e.g. a newly signed webhook). */
  setupRequest?: autocannon.Request['setupRequest'];
  /** Reads each answer (e.g. the next refresh token of a rotation). */
  onResponse?: autocannon.Request['onResponse'];
  /** Reads the server's db_pool_acquires_total, when the route is served by tollgate. */
  acquires?: () => Promise<number>;
  /** How many calls the Stripe double has received so far. */
  stripeCalls?: () => number;
  /** The process serving the route, to tell its CPU use apart. */
  serverPid?: number;
  note?: string;
}

export interface LoadSettings {
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** Interleaved rounds for the routes compared with each other, and each round's window. */
  rounds: number;
  roundSeconds: number;
}

export interface LoadResult {
  name: string;
  group: string;
  expectStatus: number;
  requests: number;
  seconds: number;
  rps: number;
  /** Requests/s of each round, when the route was measured in interleaved rounds. */
  roundRps?: number[];
  /** p99 latency of each round, likewise. */
  roundP99?: number[];
  p50: number;
  p99: number;
  mean: number;
  /** Answers with another status, plus errors and timeouts. */
  unexpected: number;
  statuses: Record<string, number>;
  acquiresPerRequest: number | null;
  stripeCalls: number | null;
  cpu: CpuUse | null;
  note?: string;
}

/** Milliseconds with sub-millisecond precision (autocannon's own histogram keeps whole ms only). */
class LatencyRecorder {
  private values = new Float64Array(1 << 16);
  private count = 0;

  record(ms: number): void {
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count++] = ms;
  }

  /** Every value of the given recorders together. */
  static merged(recorders: LatencyRecorder[]): LatencyRecorder {
    const merged = new LatencyRecorder();
    for (const recorder of recorders)
      for (const value of recorder.values.subarray(0, recorder.count)) merged.record(value);
    return merged;
  }

  summary(): { p50: number; p99: number; mean: number } {
    const sorted = this.values.slice(0, this.count).sort();
    const at = (q: number) =>
      sorted[Math.max(0, Math.min(this.count - 1, Math.ceil(q * this.count) - 1))] ?? NaN;
    const sum = sorted.reduce((total, value) => total + value, 0);
    return { p50: at(0.5), p99: at(0.99), mean: this.count ? sum / this.count : NaN };
  }
}

function options(
  spec: LoadSpec,
  connections: number,
  length: { duration: number } | { amount: number },
): autocannon.Options {
  return {
    url: spec.url,
    connections,
    ...length,
    ...(spec.ratePerSecond ? { overallRate: spec.ratePerSecond } : {}),
    timeout: 10,
    requests: [
      {
        method: spec.method ?? 'GET',
        headers: spec.headers,
        body: spec.body,
        ...(spec.setupRequest ? { setupRequest: spec.setupRequest } : {}),
        ...(spec.onResponse ? { onResponse: spec.onResponse } : {}),
      },
    ],
  };
}

interface Window {
  latencies: LatencyRecorder;
  requests: number;
  seconds: number;
  failures: number;
  acquires: number | null;
  stripeCalls: number | null;
  cpu: CpuUse | null;
}

/** One measured window; answers are counted into `statuses` by status. */
async function measureWindow(
  spec: LoadSpec,
  connections: number,
  duration: number,
  statuses: Record<string, number>,
): Promise<Window> {
  const latencies = new LatencyRecorder();
  const acquiresBefore = spec.acquires ? await spec.acquires() : null;
  const stripeBefore = spec.stripeCalls?.() ?? null;
  let requests = 0;
  const instance = autocannon(options(spec, connections, { duration }));
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    statuses[status] = (statuses[status] ?? 0) + 1;
    requests++;
    latencies.record(ms);
  });
  const cpu = watchCpu(spec.serverPid);
  const startedAt = performance.now();
  const result = await instance;
  const seconds = (performance.now() - startedAt) / 1000;
  const cpuUse = cpu();
  const acquiresAfter = spec.acquires ? await spec.acquires() : null;
  return {
    latencies,
    requests,
    seconds,
    failures: result.errors + result.timeouts,
    acquires: acquiresBefore !== null && acquiresAfter !== null ? acquiresAfter - acquiresBefore : null,
    stripeCalls: stripeBefore !== null ? spec.stripeCalls!() - stripeBefore : null,
    cpu: cpuUse,
  };
}

async function warmUp(spec: LoadSpec, settings: LoadSettings): Promise<void> {
  if (settings.warmupSeconds > 0)
    await autocannon(options(spec, settings.connections, { duration: settings.warmupSeconds }));
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle];
  const lower = sorted.length % 2 ? upper : sorted[middle - 1];
  return upper === undefined || lower === undefined ? NaN : (lower + upper) / 2;
};

function averageCpu(windows: Window[]): CpuUse | null {
  const measured = windows.map((window) => window.cpu).filter((cpu): cpu is CpuUse => cpu !== null);
  const [first] = measured;
  if (!first) return null;
  const mean = (key: Exclude<keyof CpuUse, 'cores'>) =>
    measured.reduce((total, cpu) => total + cpu[key], 0) / measured.length;
  return {
    server: mean('server'),
    postgres: mean('postgres'),
    loadGenerator: mean('loadGenerator'),
    foreign: mean('foreign'),
    cores: first.cores,
  };
}

/** Sums of several windows of one route; requests/s is the median window's when there are several. */
function resultOf(spec: LoadSpec, windows: Window[], statuses: Record<string, number>): LoadResult {
  const requests = windows.reduce((total, window) => total + window.requests, 0);
  const seconds = windows.reduce((total, window) => total + window.seconds, 0);
  const expected = statuses[spec.expectStatus] ?? 0;
  const sum = (values: (number | null)[]) =>
    values.some((value) => value === null) ? null : values.reduce<number>((a, b) => a + b!, 0);
  const acquires = sum(windows.map((window) => window.acquires));
  const stripeCalls = sum(windows.map((window) => window.stripeCalls));
  const roundRps = windows.map((window) => window.requests / window.seconds);
  const rounds = windows.length > 1;
  return {
    name: spec.name,
    group: spec.group,
    expectStatus: spec.expectStatus,
    requests,
    seconds,
    rps: rounds ? median(roundRps) : requests / seconds,
    roundRps: rounds ? roundRps : undefined,
    roundP99: rounds ? windows.map((window) => window.latencies.summary().p99) : undefined,
    ...LatencyRecorder.merged(windows.map((window) => window.latencies)).summary(),
    unexpected: requests - expected + windows.reduce((total, window) => total + window.failures, 0),
    statuses,
    acquiresPerRequest: acquires !== null && requests > 0 ? acquires / requests : null,
    stripeCalls,
    cpu: averageCpu(windows),
    note: spec.note,
  };
}

/** Warms the route up (discarded), then measures it; latencies of every answer, whatever its status. */
export async function measure(spec: LoadSpec, settings: LoadSettings): Promise<LoadResult> {
  await warmUp(spec, settings);
  const statuses: Record<string, number> = {};
  const window = await measureWindow(spec, settings.connections, settings.durationSeconds, statuses);
  return resultOf(spec, [window], statuses);
}

/**
 * Routes whose ratios matter, measured in turns: each round loads every route once for
 * `roundSeconds`, starting one route further on each round, so that a slower or faster spell of the
 * machine falls on all of them alike. Each route's requests/s is its median round; `roundRps` keeps
 * every round, in round order, for ratios taken round by round.
 */
export async function measureInterleaved(
  specs: LoadSpec[],
  settings: LoadSettings,
  onRound?: (round: number) => void,
): Promise<LoadResult[]> {
  const { rounds, roundSeconds } = settings;
  for (const spec of specs) await warmUp(spec, settings);
  const routes = specs.map((spec) => ({
    spec,
    windows: [] as Window[],
    statuses: {},
  }));
  for (let round = 0; round < rounds; round++) {
    for (let turn = 0; turn < routes.length; turn++) {
      const { spec, windows, statuses } = must(routes[(round + turn) % routes.length], 'a route');
      windows[round] = await measureWindow(spec, settings.connections, roundSeconds, statuses);
    }
    onRound?.(round);
  }
  return routes.map(({ spec, windows, statuses }) => resultOf(spec, windows, statuses));
}

/** A fixed number of requests (no warm-up): for counting what each one costs. */
export async function burst(
  spec: LoadSpec,
  amount: number,
  connections: number,
): Promise<{ requests: number; statuses: Record<string, number> }> {
  const statuses: Record<string, number> = {};
  const instance = autocannon(options(spec, connections, { amount }));
  instance.on('response', (_client: unknown, status: number) => {
    statuses[status] = (statuses[status] ?? 0) + 1;
  });
  await instance;
  return { requests: Object.values(statuses).reduce((total, count) => total + count, 0), statuses };
}
