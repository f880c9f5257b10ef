import { Injectable } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import { WebhookEvent } from '../../generated/prisma/client';
import { WebhookEventDto, WebhookEventStatusName } from './webhook-event.dto';
import { WebhookInboxRepository } from './webhook-inbox.repository';
import { WebhookProcessor } from './webhook-processor.service';

@Injectable()
export class WebhookAdminService {
  constructor(
    private readonly inbox: WebhookInboxRepository,
    private readonly processor: WebhookProcessor,
  ) {}

  async list(status?: WebhookEventStatusName): Promise<WebhookEventDto[]> {
    return (await this.inbox.list(status)).map(toWebhookEventDto);
  }

  async replay(id: string): Promise<WebhookEventDto> {
    if (!(await this.inbox.find(id))) throw new DomainError('not_found', 'No such stored event.');
    const claimed = await this.inbox.claimForReplay(id);
    if (!claimed) throw new DomainError('conflict', 'The event is being processed right now.');
    await this.processor.run(claimed);
    return toWebhookEventDto((await this.inbox.find(id))!);
  }
}

export function toWebhookEventDto(
  event: Pick<
    WebhookEvent,
    'id' | 'type' | 'status' | 'attempts' | 'lastError' | 'receivedAt' | 'processedAt' | 'nextAttemptAt'
  >,
): WebhookEventDto {
  return {
    id: event.id,
    type: event.type,
    status: event.status,
    attempts: event.attempts,
    lastError: event.lastError,
    receivedAt: event.receivedAt.toISOString(),
    processedAt: event.processedAt?.toISOString() ?? null,
    nextAttemptAt: event.nextAttemptAt.toISOString(),
  };
}
