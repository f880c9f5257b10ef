import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';

import { MetricsService } from '../metrics/metrics.service';
import { PaymentRequiredRecord, PaymentRequiredRepository } from './payment-required.repository';

const FLUSH_INTERVAL_MS = 1_000;
const MAX_BUFFERED = 10_000;

/**
 * Keeps recent 402s for admins, written once a second so that answering a 402 costs no query. The same
 * 402 for the same user within one second is kept once (its latest time).
 */
@Injectable()
export class PaymentRequiredLog implements OnModuleDestroy {
  private readonly logger = new Logger(PaymentRequiredLog.name);
  private buffer = new Map<string, PaymentRequiredRecord>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly repository: PaymentRequiredRepository,
    private readonly metrics: MetricsService,
  ) {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  record(record: Omit<PaymentRequiredRecord, 'createdAt'>): void {
    const key = `${record.accountId} ${record.code} ${record.feature} ${record.route}`;
    const existing = this.buffer.get(key);
    if (existing) existing.createdAt = new Date();
    else if (this.buffer.size < MAX_BUFFERED) this.buffer.set(key, { ...record, createdAt: new Date() });
  }

  async flush(): Promise<void> {
    if (this.buffer.size === 0) return;
    const batch = [...this.buffer.values()];
    this.buffer = new Map();
    try {
      this.metrics.recordPaymentRequiredLogWrite();
      await this.repository.insertMany(batch);
    } catch (error) {
      this.logger.warn({
        msg: 'recent 402s not recorded',
        count: batch.length,
        reason: (error as Error).message,
      });
    }
  }

  recent(accountId: string, take = 20) {
    return this.repository.recent(accountId, take);
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
