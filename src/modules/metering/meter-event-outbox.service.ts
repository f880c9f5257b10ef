import { Injectable } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import { AppConfig } from '../../config/app-config';
import { MeterEventOutboxEntry, MeterEventStatus, Prisma } from '../../generated/prisma/client';
import { MeterEventEntryDto, MeterEventListDto } from './meter-events.dto';
import {
  MeterEventOutboxRepository,
  MeterEventPageCursor,
  OverageUnits,
} from './meter-event-outbox.repository';

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
    const rows = await this.outbox.page(status, cursor ? decodeCursor(cursor) : undefined, limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      data: page.map(toEntryDto),
      nextCursor:
        rows.length > limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
    };
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

function encodeCursor(cursor: MeterEventPageCursor): string {
  return Buffer.from(`${cursor.createdAt.toISOString()}|${cursor.id}`).toString('base64url');
}

function decodeCursor(value: string): MeterEventPageCursor {
  const [time, id] = Buffer.from(value, 'base64url').toString().split('|');
  const createdAt = new Date(time ?? '');
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  if (!id || !uuid.test(id) || Number.isNaN(createdAt.getTime())) {
    throw DomainError.validation([{ field: 'cursor', message: 'cursor must be a nextCursor value' }]);
  }
  return { createdAt, id };
}
