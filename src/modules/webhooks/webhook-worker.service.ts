import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';

import { AppConfig } from '../../config/app-config';
import { WebhookInboxRepository } from './webhook-inbox.repository';
import { WebhookProcessor } from './webhook-processor.service';

const BATCH_SIZE = 20;

/** Works through stored events that are due: new ones left behind, retries, and lapsed claims. */
@Injectable()
export class WebhookWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WebhookWorker.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly config: AppConfig,
    private readonly inbox: WebhookInboxRepository,
    private readonly processor: WebhookProcessor,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Runs one pass: claims due events in batches until none are left. */
  async drain(): Promise<number> {
    let processed = 0;
    for (;;) {
      const batch = await this.inbox.claimDue(BATCH_SIZE);
      for (const event of batch) await this.processor.run(event);
      processed += batch.length;
      if (batch.length < BATCH_SIZE || this.stopped) return processed;
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.drain()
        .then(() => undefined)
        .catch((error: Error) =>
          this.logger.warn({ msg: 'webhook worker pass failed', reason: error.message }),
        )
        .finally(() => this.schedule(this.config.env.WEBHOOK_WORKER_INTERVAL_MS));
    }, delayMs);
    this.timer.unref();
  }
}
