import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

import { newestFirstPage } from '../../common/pagination/newest-first';
import { AppConfig } from '../../config/app-config';
import { MailOutboxEntry, MailStatus, Prisma } from '../../generated/prisma/client';
import { ChangeFeed } from '../change-feed/change-feed.service';
import { MailEntryDto, MailListDto } from './mail.dto';
import { MailOutboxRepository } from './mail-outbox.repository';
import { OutgoingMail } from './mail.types';

/**
 * The one way to send mail: `enqueue` writes it to the outbox in the caller's transaction, so the
 * mail goes out if and only if the change that causes it commits; MailWorker sends it.
 */
@Injectable()
export class MailOutbox {
  private readonly domain: string;

  constructor(
    config: AppConfig,
    private readonly outbox: MailOutboxRepository,
    private readonly changes: ChangeFeed,
  ) {
    this.domain = config.mail.domain;
  }

  /**
   * Writes the mail unless its cause has one already (then nothing happens: one cause, one mail).
   * Pass the transaction of the change that causes it; every instance's worker hears of it on commit.
   * True when written.
   */
  async enqueue(mail: OutgoingMail, tx?: Prisma.TransactionClient): Promise<boolean> {
    const id = randomUUID();
    const written = await this.outbox.insert(
      {
        id,
        cause: mail.cause,
        userId: mail.userId ?? null,
        recipient: mail.to,
        template: mail.template,
        params: mail.params,
        messageId: `<${id}@${this.domain}>`,
      },
      tx,
    );
    if (written) await this.changes.publish({ kind: 'mail' }, tx);
    return written;
  }

  /** For erasing an account: the user's mails lose their address and parameters, and unsent ones stay unsent. */
  erasePersonalData(userId: string, tx?: Prisma.TransactionClient): Promise<void> {
    return this.outbox.erasePersonalData(userId, tx);
  }

  async list(
    status: MailStatus | undefined,
    cursor: string | undefined,
    limit: number,
  ): Promise<MailListDto> {
    return newestFirstPage(
      cursor,
      limit,
      (after, take) => this.outbox.page(status, after, take),
      toMailEntryDto,
    );
  }
}

function toMailEntryDto(row: MailOutboxEntry): MailEntryDto {
  return {
    id: row.id,
    to: row.recipient,
    template: row.template,
    status: row.status,
    attempts: row.attempts,
    lastError: row.lastError,
    createdAt: row.createdAt.toISOString(),
    sentAt: row.sentAt?.toISOString() ?? null,
  };
}
