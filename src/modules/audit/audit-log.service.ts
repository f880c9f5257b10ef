import { Injectable, Logger } from '@nestjs/common';
import { isUUID } from 'class-validator';

import type { RequestOrigin } from '../../common/http/request-origin';
import { isDatabaseUnavailableError } from '../../database/database-errors';
import { Prisma } from '../../generated/prisma/client';
import { AuditAction, AuditDetails } from './audit-actions';
import { AuditRepository, NewAuditEvent } from './audit.repository';

export interface AuditEntry {
  /** Who did it: null (or left out) for anonymous callers and the admin CLI. */
  actorId?: string | null;
  /** Whom it concerns. */
  subjectId?: string | null;
  details?: AuditDetails;
  /** The request that did it (`@CurrentOrigin()`); left out by the CLI and background work. */
  origin?: RequestOrigin | null;
}

/** The security log: who did what to whom, and from which request (its id, client IP and user agent). */
@Injectable()
export class AuditLog {
  private readonly logger = new Logger(AuditLog.name);

  constructor(private readonly events: AuditRepository) {}

  /**
   * Given the transaction that makes the change, the entry commits or rolls back with it. Without one,
   * only an unreachable database fails the caller; any other failure to write is logged.
   */
  async record(action: AuditAction, entry: AuditEntry = {}, tx?: Prisma.TransactionClient): Promise<void> {
    const event = this.eventOf(action, entry);
    if (tx) return this.events.insert(event, tx);
    try {
      await this.events.insert(event);
    } catch (error) {
      if (isDatabaseUnavailableError(error)) throw error;
      this.logger.error({ msg: 'could not record an audit event', action, err: String(error) });
    }
  }

  /** For erasing an account: its email leaves the log's details; the entries stay. */
  erasePersonalData(userId: string, email: string, tx: Prisma.TransactionClient): Promise<void> {
    return this.events.eraseEmail(userId, email, tx);
  }

  private eventOf(action: AuditAction, entry: AuditEntry): NewAuditEvent {
    const origin = entry.origin;
    return {
      action,
      actorId: this.userId(entry.actorId, action),
      subjectId: this.userId(entry.subjectId, action),
      ip: origin?.ip.slice(0, 64) ?? null,
      userAgent: origin?.userAgent ?? null,
      requestId: origin?.requestId ?? null,
      details: entry.details ?? null,
    };
  }

  /** A malformed id would fail the insert and with it the change it records: it is dropped and logged. */
  private userId(id: string | null | undefined, action: AuditAction): string | null {
    if (id === null || id === undefined) return null;
    if (isUUID(id)) return id;
    this.logger.warn({ msg: 'audit event named a user id that is not a UUID; recorded without it', action });
    return null;
  }
}
