/** Small HTTP helpers for setting the bench up (fetch, keep-alive): JSON in, status and JSON out. */
export interface Reply<T = Record<string, unknown>> {
  status: number;
  body: T;
  ms: number;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Sent as is (e.g. a signed webhook), instead of JSON.stringify(body). */
  raw?: string;
}

export async function call<T = Record<string, unknown>>(
  method: string,
  url: string,
  options: CallOptions = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let payload = options.raw;
  if (payload === undefined && options.body !== undefined) payload = JSON.stringify(options.body);
  if (payload !== undefined) headers['content-type'] ??= 'application/json';
  const startedAt = performance.now();
  const response = await fetch(url, { method, headers, body: payload, signal: AbortSignal.timeout(15_000) });
  const text = await response.text();
  const ms = performance.now() - startedAt;
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON (e.g. /metrics): keep the text
  }
  return { status: response.status, body: body as T, ms };
}

/** Like call(), but throws unless the status is the expected one. */
export async function expectStatus<T = Record<string, unknown>>(
  expected: number,
  method: string,
  url: string,
  options: CallOptions = {},
): Promise<T> {
  const reply = await call<T>(method, url, options);
  if (reply.status !== expected) {
    throw new Error(
      `${method} ${url} answered ${reply.status}, not ${expected}: ${JSON.stringify(reply.body)}`,
    );
  }
  return reply.body;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The bench runs the service with NODE_ENV=production, where /metrics wants a token. */
export const METRICS_TOKEN = 'bench-metrics-token-0123456789';

/** The value of an unlabelled Prometheus counter or gauge from GET /metrics. */
export async function metricValue(baseUrl: string, name: string): Promise<number> {
  const reply = await call<string>('GET', `${baseUrl}/metrics`, { token: METRICS_TOKEN });
  if (reply.status !== 200)
    throw new Error(`GET /metrics answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  // A labelled metric is summed over its labels; one not incremented yet has no sample: 0.
  const samples = [...reply.body.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))];
  if (samples.length === 0 && !new RegExp(`^# TYPE ${name} `, 'm').test(reply.body))
    throw new Error(`/metrics has no ${name}`);
  return samples.reduce((total, sample) => total + Number(sample[1]), 0);
}
