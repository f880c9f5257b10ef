import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';

import { AppConfig } from '../../config/app-config';
import { stripeWork } from '../stripe/stripe-work';
import { WebhookInboxRepository } from './webhook-inbox.repository';
import { WebhookProcessor } from './webhook-processor.service';

/**
 * Events processed side by side. Not tied to the Stripe budget: most events of a burst need no fetch
 * (one stored since answers them), and those that do wait for their turn without a connection.
 */
const IN_FLIGHT = 32;

/**
 * Works through stored events that are due: new ones left by a burst, retries, and lapsed claims.
 * Claimed events are processed side by side, up to IN_FLIGHT at a time (the Stripe budget, not the
 * worker, sets the pace of those that call Stripe). Two events of one subscription may
 * run at once, as they may on two instances: the sync services' tickets keep the stored state the
 * newest Stripe answered.
 */
@Injectable()
export class WebhookWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WebhookWorker.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private wakeAgain = false;
  private stopped = false;
  private processing = 0;

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

  /**
   * Whether events are being worked off now: a new event then joins them instead of going first (it
   * would also hold its delivery's connection while it waits for Stripe among them).
   */
  get hasBacklog(): boolean {
    return this.processing > 0;
  }

  /** Looks for due events now (an event was left for the worker), or right after the pass in progress. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.wakeAgain = true;
      return;
    }
    this.schedule(0);
  }

  /** Runs one pass: claims and processes due events until none are left. */
  async drain(): Promise<number> {
    let processed = 0;
    let more = true;
    const inFlight = new Set<Promise<void>>();
    while (!this.stopped || inFlight.size > 0) {
      if (this.wakeAgain) {
        this.wakeAgain = false;
        more = true;
      }
      const room = this.stopped ? 0 : IN_FLIGHT - inFlight.size;
      if (more && room > 0) {
        const batch = await this.inbox.claimDue(room);
        if (batch.length < room) more = false;
        for (const event of batch) {
          this.processing++;
          const running = stripeWork
            .inBackground(() => this.processor.run(event))
            .catch((error: Error) =>
              this.logger.warn({ msg: 'webhook event not finished', event: event.id, reason: error.message }),
            )
            .finally(() => {
              this.processing--;
              inFlight.delete(running);
            });
          inFlight.add(running);
        }
        processed += batch.length;
        if (batch.length > 0) continue;
      }
      if (inFlight.size > 0) await Promise.race(inFlight);
      else if (!more) break;
    }
    return processed;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.drain()
        .then(() => undefined)
        .catch((error: Error) =>
          this.logger.warn({ msg: 'webhook worker pass failed', reason: error.message }),
        )
        .finally(() => {
          this.running = undefined;
          const again = this.wakeAgain;
          this.wakeAgain = false;
          this.schedule(again ? 0 : this.config.env.WEBHOOK_WORKER_INTERVAL_MS);
        });
    }, delayMs);
    this.timer.unref();
  }
}
