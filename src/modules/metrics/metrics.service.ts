import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  private readonly requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  private readonly latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency, by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  private readonly paymentRequired = new Counter({
    name: 'payment_required_total',
    help: '402 Payment Required answers, by code, feature and route',
    labelNames: ['code', 'feature', 'route'] as const,
    registers: [this.registry],
  });

  private readonly databaseAcquires = new Counter({
    name: 'db_pool_acquires_total',
    help: 'Connections taken from the PostgreSQL pool (one per query outside a transaction)',
    registers: [this.registry],
  });

  private readonly paymentRequiredLogWrites = new Counter({
    name: 'payment_required_log_writes_total',
    help: 'Batched writes of recent 402s to PostgreSQL (at most one a second, whatever the number of 402s)',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  recordPaymentRequired(code: string, feature: string, route: string): void {
    this.paymentRequired.inc({ code, feature, route });
  }

  recordPaymentRequiredLogWrite(): void {
    this.paymentRequiredLogWrites.inc();
  }

  recordDatabaseAcquire(): void {
    this.databaseAcquires.inc();
  }

  /** Label sets seen so far, resolved once: hashing labels on every request costs more than counting. */
  private readonly requestSeries = new Map<
    string,
    { count: Counter.Internal; latency: Histogram.Internal<string> }
  >();

  recordRequest(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let series = this.requestSeries.get(key);
    if (!series) {
      const labels = { method, route, status: String(status) };
      series = { count: this.requests.labels(labels), latency: this.latency.labels(labels) };
      this.requestSeries.set(key, series);
    }
    series.count.inc();
    series.latency.observe(seconds);
  }
}
