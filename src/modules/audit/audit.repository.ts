import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';
import { AuditEvent, Prisma } from '../../generated/prisma/client';
import { AuditPosition } from './audit-cursor';

export interface NewAuditEvent {
  action: string;
  actorId: string | null;
  subjectId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  details: Prisma.InputJsonObject | null;
}

@Injectable()
export class AuditRepository {
  constructor(private readonly prisma: PrismaService) {}

  async insert(event: NewAuditEvent, tx: Prisma.TransactionClient = this.prisma): Promise<void> {
    await tx.auditEvent.create({ data: { ...event, details: event.details ?? Prisma.DbNull } });
  }

  /** Drops the email from the details of the entries that concern the user or name their address. */
  async eraseEmail(userId: string, email: string, tx: Prisma.TransactionClient): Promise<void> {
    await tx.$executeRaw`
      UPDATE audit_events SET details = details - 'email'
       WHERE details ? 'email' AND (subject_id = ${userId}::uuid OR details->>'email' = ${email})`;
  }

  /** Newest first, after `position` when given. */
  page(
    filter: { actorId?: string; action?: string },
    after: AuditPosition | null,
    take: number,
  ): Promise<AuditEvent[]> {
    return this.prisma.auditEvent.findMany({
      where: {
        ...(filter.actorId ? { actorId: filter.actorId } : {}),
        ...(filter.action ? { action: filter.action } : {}),
        ...(after ? { OR: [{ at: { lt: after.at } }, { at: after.at, id: { lt: after.id } }] } : {}),
      },
      orderBy: [{ at: 'desc' }, { id: 'desc' }],
      take,
    });
  }
}
