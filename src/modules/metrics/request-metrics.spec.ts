import { Counter, Histogram, Registry } from 'prom-client';

import { LATENCY_BUCKETS, RequestMetrics } from './request-metrics';

/** The same requests through prom-client's own Counter and Histogram, as the service had them. */
function promClientExposition(requests: [string, string, number, number][]): Promise<string> {
  const registry = new Registry();
  const labelNames = ['method', 'route', 'status'] as const;
  const counter = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route and status',
    labelNames,
    registers: [registry],
  });
  const histogram = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency, by method, route and status',
    labelNames,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  for (const [method, route, status, seconds] of requests) {
    const labels = { method, route, status: String(status) };
    counter.inc(labels);
    histogram.observe(labels, seconds);
  }
  return registry.metrics();
}

function ours(requests: [string, string, number, number][]): Promise<string> {
  const registry = new Registry();
  const metrics = new RequestMetrics();
  metrics.registerIn(registry);
  for (const request of requests) metrics.record(...request);
  return registry.metrics();
}

describe('RequestMetrics', () => {
  it('renders exactly what prom-client’s Counter and Histogram render for the same requests', async () => {
    const routes = ['/v1/projects', '/v1/me', 'unmatched', '/v1/say/"quoted"\\path'];
    const requests: [string, string, number, number][] = [];
    // Durations on and around every bound, below the first, past the last.
    const durations = [0, 0.0005, ...LATENCY_BUCKETS.flatMap((bound) => [bound, bound * 1.01]), 3, 60];
    let index = 0;
    for (const seconds of durations) {
      for (const [method, status] of [
        ['GET', 200],
        ['POST', 201],
        ['POST', 402],
      ] as const) {
        requests.push([method, routes[index++ % routes.length]!, status, seconds]);
      }
    }

    const expected = await promClientExposition(requests);
    expect(await ours(requests)).toBe(expected);
    expect(expected).toContain('http_request_duration_seconds_bucket{le="0.001",method="GET"');
  });

  it('renders the metrics’ headers alone before the first request, as prom-client does', async () => {
    expect(await ours([])).toBe(await promClientExposition([]));
  });
});
