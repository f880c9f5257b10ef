import { Injectable } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import { AuditEvent } from '../../generated/prisma/client';
import { decodeAuditCursor, encodeAuditCursor } from './audit-cursor';
import { AuditEventDto, AuditEventListDto, AuditQueryDto } from './audit.dto';
import { AuditRepository } from './audit.repository';

const DEFAULT_PAGE_SIZE = 50;

/** The log as admins read it: newest first, a page at a time. */
@Injectable()
export class AuditTrailService {
  constructor(private readonly events: AuditRepository) {}

  async page(query: AuditQueryDto): Promise<AuditEventListDto> {
    const after = query.cursor === undefined ? null : decodeAuditCursor(query.cursor);
    if (query.cursor !== undefined && !after) {
      throw DomainError.validation([{ field: 'cursor', message: 'cursor must be a nextCursor value' }]);
    }
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.events.page({ actorId: query.actor, action: query.action }, after, limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      data: page.map(toAuditEventDto),
      nextCursor: rows.length > limit && last ? encodeAuditCursor(last) : null,
    };
  }
}

function toAuditEventDto(event: AuditEvent): AuditEventDto {
  return {
    id: event.id,
    at: event.at.toISOString(),
    action: event.action,
    actorId: event.actorId,
    subjectId: event.subjectId,
    ip: event.ip,
    userAgent: event.userAgent,
    requestId: event.requestId,
  };
}
