import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

import { RequestMetrics } from './request-metrics';

@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  /** `http_requests_total` and `http_request_duration_seconds`: recorded on every request, so kept cheap. */
  private readonly requests = new RequestMetrics();

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

  private readonly quotaWrites = new Counter({
    name: 'quota_writes_total',
    help: 'Quota writes to PostgreSQL: flushes of counted uses (one a second at most) and lease requests',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  private readonly mailsSent = new Counter({
    name: 'mail_sent_total',
    help: 'Mails the SMTP server accepted (or written to DATA_DIR/mail without SMTP_URL), by template',
    labelNames: ['template'] as const,
    registers: [this.registry],
  });

  private readonly mailsFailed = new Counter({
    name: 'mail_failed_total',
    help: 'Mails given up, by template and reason (rejected: a 5xx reply; expired: still failing when too old)',
    labelNames: ['template', 'reason'] as const,
    registers: [this.registry],
  });

  private readonly mailAttemptsFailed = new Counter({
    name: 'mail_send_attempts_failed_total',
    help: 'Attempts to send a mail that failed and will be retried (SMTP unreachable, 4xx replies, timeouts)',
    registers: [this.registry],
  });

  private readonly meterEventsSent = new Counter({
    name: 'meter_events_sent_total',
    help: 'Overage meter events Stripe accepted',
    registers: [this.registry],
  });

  private readonly meterEventUnitsSent = new Counter({
    name: 'meter_event_units_sent_total',
    help: 'Overage units reported to Stripe in the meter events it accepted',
    registers: [this.registry],
  });

  private readonly meterEventsFailed = new Counter({
    name: 'meter_events_failed_total',
    help: 'Overage meter events Stripe rejected (kept as failed in meter_event_outbox)',
    registers: [this.registry],
  });

  private readonly meterEventAttemptsFailed = new Counter({
    name: 'meter_event_send_attempts_failed_total',
    help: 'Attempts to send a meter event that failed and will be retried (Stripe unreachable or failing)',
    registers: [this.registry],
  });

  /** When the oldest mail still waiting was written, as the last mail worker pass of this instance saw it. */
  private oldestPendingMailAt: Date | null = null;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.requests.registerIn(this.registry);
    const oldestPending = () => this.oldestPendingMailAt;
    new Gauge({
      name: 'mail_outbox_oldest_pending_seconds',
      help: 'Age of the oldest mail waiting in the outbox (0: none), as of the last mail worker pass (every MAIL_WORKER_INTERVAL_MS)',
      registers: [this.registry],
      collect() {
        const since = oldestPending();
        this.set(since ? Math.max(0, (Date.now() - since.getTime()) / 1000) : 0);
      },
    });
  }

  recordMailSent(template: string): void {
    this.mailsSent.inc({ template });
  }

  recordMailFailed(template: string, reason: string): void {
    this.mailsFailed.inc({ template, reason });
  }

  recordMailAttemptFailed(): void {
    this.mailAttemptsFailed.inc();
  }

  recordMeterEventSent(units: number): void {
    this.meterEventsSent.inc();
    this.meterEventUnitsSent.inc(units);
  }

  recordMeterEventFailed(): void {
    this.meterEventsFailed.inc();
  }

  recordMeterEventAttemptFailed(): void {
    this.meterEventAttemptsFailed.inc();
  }

  recordOldestPendingMail(createdAt: Date | null): void {
    this.oldestPendingMailAt = createdAt;
  }

  recordPaymentRequired(code: string, feature: string, route: string): void {
    this.paymentRequired.inc({ code, feature, route });
  }

  recordPaymentRequiredLogWrite(): void {
    this.paymentRequiredLogWrites.inc();
  }

  /** Reads the paced Stripe client's busiest second (requests sent within one second) at each scrape. */
  watchStripeBusiestSecond(read: () => number): void {
    new Gauge({
      name: 'stripe_requests_busiest_second',
      help: 'Most Stripe requests this instance sent within any one second since it started (its own clock)',
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  recordQuotaWrite(kind: 'flush' | 'lease'): void {
    this.quotaWrites.inc({ kind });
  }

  recordDatabaseAcquire(): void {
    this.databaseAcquires.inc();
  }

  recordRequest(method: string, route: string, status: number, seconds: number): void {
    this.requests.record(method, route, status, seconds);
  }
}
