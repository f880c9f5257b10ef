import { Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';

import { AppConfig } from '../../config/app-config';
import { StripePacer } from '../stripe/stripe-pacer';
import { stripeWork } from '../stripe/stripe-work';
import { WebhookInboxRepository } from './webhook-inbox.repository';
import { WebhookProcessor } from './webhook-processor.service';
import { WebhookWorker } from './webhook-worker.service';

/**
 * Stores a verified event first (the acknowledgement depends on that alone). While the worker has no
 * backlog and the Stripe budget has room right now, it then processes the event at once, waiting for
 * that at most WEBHOOK_INLINE_BUDGET_MS: a quick event is applied before Stripe hears 200 (and before
 * the client's next request), a slow one (Stripe slow to answer a re-fetch) goes on after the answer,
 * and a failure is left to the worker's retries. Otherwise (a burst) the event is stored for the
 * worker, which is woken at once and works through the backlog at the budget's pace: the 200 waits
 * for the insert alone.
 */
@Injectable()
export class WebhookIntakeService {
  private readonly logger = new Logger(WebhookIntakeService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly inbox: WebhookInboxRepository,
    private readonly processor: WebhookProcessor,
    private readonly worker: WebhookWorker,
    private readonly pacer: StripePacer,
  ) {}

  /** Which of these events the inbox holds. */
  knownIds(ids: string[]): Promise<Set<string>> {
    return this.inbox.knownIds(ids);
  }

  /** The moment up to which every event Stripe made is known to be stored (catch-up's watermark). */
  storedThrough(): Promise<Date | null> {
    return this.inbox.storedThrough();
  }

  markStoredThrough(moment: Date): Promise<void> {
    return this.inbox.markStoredThrough(moment);
  }

  newestEventCreatedAt(): Promise<Date | null> {
    return this.inbox.newestEventCreatedAt();
  }

  async accept(event: Stripe.Event, source: 'webhook' | 'catch-up'): Promise<{ stored: boolean }> {
    if (!this.processor.handles(event.type) && (await this.inbox.storeIgnored(event, event, source))) {
      return { stored: true };
    }
    if (source === 'webhook' && (this.worker.hasBacklog || !this.pacer.hasRoomForBackground())) {
      const stored = await this.inbox.storePending(event, event, source);
      this.worker.wake();
      return { stored };
    }
    const claimed = await this.inbox.storeClaimed(event, event, source);
    // A duplicate that is still due (e.g. failed earlier) gets its chance too; one claim wins.
    const processing = stripeWork
      .inBackground<unknown>(() =>
        claimed ? this.processor.run(claimed) : this.processor.processNow(event.id),
      )
      .catch((error: unknown) => {
        // Stored is what matters for the 2xx: the worker finishes it.
        this.logger.warn({
          msg: 'inline processing deferred to the worker',
          event: event.id,
          reason: (error as Error).message,
        });
      });
    if (source === 'catch-up') await processing;
    else await withinBudget(processing, this.config.env.WEBHOOK_INLINE_BUDGET_MS);
    return { stored: claimed !== null };
  }
}

/** Waits for `work` at most `budgetMs`; the work goes on either way. */
async function withinBudget(work: Promise<unknown>, budgetMs: number): Promise<void> {
  if (budgetMs === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const budgetSpent = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, budgetMs);
  });
  try {
    await Promise.race([work, budgetSpent]);
  } finally {
    clearTimeout(timer);
  }
}
