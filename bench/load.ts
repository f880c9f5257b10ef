import autocannon from 'autocannon';

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
  /** A fresh request per call (e.g. a newly signed webhook). */
  setupRequest?: autocannon.Request['setupRequest'];
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
}

export interface LoadResult {
  name: string;
  group: string;
  expectStatus: number;
  requests: number;
  seconds: number;
  rps: number;
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
    timeout: 10,
    requests: [
      {
        method: spec.method ?? 'GET',
        headers: spec.headers,
        body: spec.body,
        ...(spec.setupRequest ? { setupRequest: spec.setupRequest } : {}),
      },
    ],
  };
}

/** Warms the route up (discarded), then measures it; latencies of every answer, whatever its status. */
export async function measure(spec: LoadSpec, settings: LoadSettings): Promise<LoadResult> {
  if (settings.warmupSeconds > 0)
    await autocannon(options(spec, settings.connections, { duration: settings.warmupSeconds }));

  const acquiresBefore = spec.acquires ? await spec.acquires() : null;
  const stripeBefore = spec.stripeCalls?.() ?? null;
  const latencies = new LatencyRecorder();
  const statuses: Record<string, number> = {};
  const instance = autocannon(options(spec, settings.connections, { duration: settings.durationSeconds }));
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    statuses[status] = (statuses[status] ?? 0) + 1;
    latencies.record(ms);
  });
  const cpu = watchCpu(spec.serverPid);
  const startedAt = performance.now();
  const result = await instance;
  const seconds = (performance.now() - startedAt) / 1000;
  const cpuUse = cpu();
  const acquiresAfter = spec.acquires ? await spec.acquires() : null;

  const requests = Object.values(statuses).reduce((total, count) => total + count, 0);
  const expected = statuses[spec.expectStatus] ?? 0;
  return {
    name: spec.name,
    group: spec.group,
    expectStatus: spec.expectStatus,
    requests,
    seconds,
    rps: requests / seconds,
    ...latencies.summary(),
    unexpected: requests - expected + result.errors + result.timeouts,
    statuses,
    acquiresPerRequest:
      acquiresBefore !== null && acquiresAfter !== null && requests > 0
        ? (acquiresAfter - acquiresBefore) / requests
        : null,
    stripeCalls: stripeBefore !== null ? spec.stripeCalls!() - stripeBefore : null,
    cpu: cpuUse,
    note: spec.note,
  };
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
