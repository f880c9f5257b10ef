import { Injectable } from '@nestjs/common';

import { newestFirstPage } from '../../common/pagination/newest-first';
import { AppConfig } from '../../config/app-config';
import { MeterEventOutboxEntry, MeterEventStatus, Prisma } from '../../generated/prisma/client';
import { MeterEventEntryDto, MeterEventListDto } from './meter-events.dto';
import { MeterEventOutboxRepository, OverageUnits } from './meter-event-outbox.repository';

export type { OverageUnits } from './meter-event-outbox.repository';

/**
 * The one way overage reaches Stripe: `record` adds units to the outbox in the caller's transaction
 * (the quota flush that counts them), so they are billed if and only if they are counted;
 * MeterEventWorker sends each account's units per meter and window as one meter event.
 */
@Injectable()
export class MeterEventOutbox {
  constructor(
    private readonly config: AppConfig,
    private readonly outbox: MeterEventOutboxRepository,
  ) {}

  record(overages: OverageUnits[], tx: Prisma.TransactionClient): Promise<void> {
    return this.outbox.add(overages, this.config.env.METER_EVENT_WINDOW_MS, tx);
  }

  async list(
    status: MeterEventStatus | undefined,
    cursor: string | undefined,
    limit: number,
  ): Promise<MeterEventListDto> {
    return newestFirstPage(cursor, limit, (after, take) => this.outbox.page(status, after, take), toEntryDto);
  }
}

function toEntryDto(row: MeterEventOutboxEntry): MeterEventEntryDto {
  return {
    id: row.id,
    accountId: row.accountId,
    eventName: row.eventName,
    windowStart: row.windowStart.toISOString(),
    windowEnd: row.windowEnd.toISOString(),
    value: row.value,
    identifier: row.identifier,
    status: row.status,
    attempts: row.attempts,
    lastError: row.lastError,
    createdAt: row.createdAt.toISOString(),
    sentAt: row.sentAt?.toISOString() ?? null,
  };
}
