import { Inject, Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';

import { AppConfig } from '../../config/app-config';
import { WEBHOOK_HANDLERS, WebhookHandler } from './handlers/webhook-handler';
import { ClaimedEvent, WebhookInboxRepository } from './webhook-inbox.repository';

const MAX_RETRY_DELAY_MS = 60 * 60 * 1000;

/** Runs stored events through their handler: processed, ignored, or failed with a retry time. */
@Injectable()
export class WebhookProcessor {
  private readonly logger = new Logger(WebhookProcessor.name);
  private readonly handlers = new Map<string, WebhookHandler>();

  constructor(
    private readonly inbox: WebhookInboxRepository,
    private readonly config: AppConfig,
    @Inject(WEBHOOK_HANDLERS) handlers: WebhookHandler[],
  ) {
    for (const handler of handlers) for (const type of handler.types) this.handlers.set(type, handler);
  }

  /** Whether a handler acts on this event type (others are stored as ignored). */
  handles(type: string): boolean {
    return this.handlers.has(type);
  }

  /** Processes the event now if it is due and nobody else holds it; returns whether it ran. */
  async processNow(id: string): Promise<boolean> {
    const claimed = await this.inbox.claim(id);
    if (!claimed) return false;
    await this.run(claimed);
    return true;
  }

  async run(event: ClaimedEvent): Promise<void> {
    const handler = this.handlers.get(event.type);
    if (!handler) {
      await this.inbox.finish(event.id, 'ignored');
      return;
    }
    try {
      const outcome = await handler.handle(event.payload as unknown as Stripe.Event, {
        receivedAt: event.receivedAt,
      });
      await this.inbox.finish(event.id, outcome);
    } catch (error) {
      const delay = Math.min(
        this.config.env.WEBHOOK_RETRY_BASE_MS * 2 ** (event.attempts - 1),
        MAX_RETRY_DELAY_MS,
      );
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      this.logger.warn({
        msg: 'webhook event failed',
        event: event.id,
        type: event.type,
        attempt: event.attempts,
        retryInMs: delay,
        error: message,
      });
      await this.inbox.fail(event.id, message, new Date(Date.now() + delay)).catch((failError: Error) =>
        this.logger.error({
          msg: 'could not record a failed event; its claim will lapse',
          event: event.id,
          reason: failError.message,
        }),
      );
    }
  }
}
