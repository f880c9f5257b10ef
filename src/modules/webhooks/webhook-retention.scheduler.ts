import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';

import { AppConfig } from '../../config/app-config';
import { InstanceLivenessService } from '../../database/instance-liveness.service';
import { WebhookInboxRepository } from './webhook-inbox.repository';

const WEBHOOK_RETENTION_LOCK_ID = 0x77687274; // 'whrt'
/** Rows per DELETE: each statement is short, so the pass never holds many row locks for long. */
const DELETE_BATCH = 5_000;

export interface WebhookRetentionPass {
  /** False when a pass was running already, here or on another instance. */
  ran: boolean;
  deleted: number;
}

/**
 * Every WEBHOOK_RETENTION_INTERVAL_MS, one instance at a time deletes the processed and ignored events
 * received more than WEBHOOK_RETENTION_DAYS ago. The setting is at least 30 days, as long as Stripe lists
 * and resends an event: catch-up looks back at most that far, so it never meets a deleted event again
 * and imports it as missed.
 */
@Injectable()
export class WebhookRetentionScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WebhookRetentionScheduler.name);
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly config: AppConfig,
    private readonly liveness: InstanceLivenessService,
    private readonly inbox: WebhookInboxRepository,
  ) {}

  onApplicationBootstrap(): void {
    const interval = this.config.env.WEBHOOK_RETENTION_INTERVAL_MS;
    if (interval === 0) return;
    this.timer = setInterval(() => void this.runOnce().catch(() => undefined), interval);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  async runOnce(): Promise<WebhookRetentionPass> {
    const pass: WebhookRetentionPass = { ran: false, deleted: 0 };
    try {
      pass.ran = await this.liveness.withSessionLock(WEBHOOK_RETENTION_LOCK_ID, async () => {
        const days = this.config.env.WEBHOOK_RETENTION_DAYS;
        for (;;) {
          const deleted = await this.inbox.deleteExpiredBatch(days, DELETE_BATCH);
          pass.deleted += deleted;
          if (deleted < DELETE_BATCH || this.stopped) return;
        }
      });
      if (pass.deleted > 0) this.logger.log({ msg: 'old webhook events deleted', deleted: pass.deleted });
      return pass;
    } catch (error) {
      this.logger.warn({ msg: 'webhook retention pass failed', reason: (error as Error).message });
      throw error;
    }
  }
}
