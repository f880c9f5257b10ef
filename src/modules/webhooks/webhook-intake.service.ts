import { Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';

import { WebhookInboxRepository } from './webhook-inbox.repository';
import { WebhookProcessor } from './webhook-processor.service';

/** Stores a verified event first (the acknowledgement depends on that alone), then processes it. */
@Injectable()
export class WebhookIntakeService {
  private readonly logger = new Logger(WebhookIntakeService.name);

  constructor(
    private readonly inbox: WebhookInboxRepository,
    private readonly processor: WebhookProcessor,
  ) {}

  async accept(event: Stripe.Event, source: 'webhook' | 'catch-up'): Promise<{ stored: boolean }> {
    if (!this.processor.handles(event.type) && (await this.inbox.storeIgnored(event, event, source))) {
      return { stored: true };
    }
    const claimed = await this.inbox.storeClaimed(event, event, source);
    try {
      if (claimed) await this.processor.run(claimed);
      // A duplicate that is still due (e.g. failed earlier) gets its chance too; one claim wins.
      else await this.processor.processNow(event.id);
    } catch (error) {
      // Stored is what matters for the 2xx: the worker finishes it.
      this.logger.warn({
        msg: 'inline processing deferred to the worker',
        event: event.id,
        reason: (error as Error).message,
      });
    }
    return { stored: claimed !== null };
  }
}
