import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createTransport } from 'nodemailer';

import { AppConfig, MailSettings } from '../../config/app-config';
import { RenderedMail } from './mail.types';

export interface MailEnvelope {
  id: string;
  to: string;
  template: string;
  messageId: string;
  content: RenderedMail;
}

/** How long one message may take, from being handed over to the server's 250, before it is abandoned. */
const SEND_DEADLINE_MS = 60_000;
/** A claim outlives the send it covers: see MailWorker. */
export const SEND_LEASE_SECONDS = 2 * (SEND_DEADLINE_MS / 1000);

/**
 * Hands a rendered mail to the SMTP server of SMTP_URL (a small pool of connections), or, without
 * SMTP_URL, writes it as an .eml file under DATA_DIR/mail and logs its link, so that a developer
 * follows the flows without a mail server.
 */
@Injectable()
export class MailTransport implements OnApplicationBootstrap {
  private readonly logger = new Logger(MailTransport.name);
  private readonly settings: MailSettings;
  private readonly smtp;
  private readonly files;

  constructor(private readonly config: AppConfig) {
    this.settings = config.mail;
    const defaults = { from: this.settings.from };
    this.smtp = this.settings.smtpUrl
      ? createTransport(
          {
            url: this.settings.smtpUrl,
            pool: true,
            maxConnections: 5,
            connectionTimeout: 10_000,
            greetingTimeout: 10_000,
            socketTimeout: 30_000,
          },
          defaults,
        )
      : null;
    this.files = this.smtp
      ? null
      : createTransport({ streamTransport: true, buffer: true, newline: 'unix' }, defaults);
  }

  onApplicationBootstrap(): void {
    if (this.smtp) return;
    const where = { directory: this.settings.directory };
    if (this.config.isProduction) {
      this.logger.warn({
        ...where,
        msg: 'SMTP_URL is not set: mails are written to files, not sent to anyone',
      });
    } else {
      this.logger.log({
        ...where,
        msg: 'SMTP_URL is not set: mails are written as .eml files and their links logged',
      });
    }
  }

  /** Resolves once the server has accepted the message (its 250), or the file is written. */
  async send(mail: MailEnvelope): Promise<void> {
    const message = {
      to: mail.to,
      subject: mail.content.subject,
      text: mail.content.text,
      html: mail.content.html,
      messageId: mail.messageId,
    };
    if (this.smtp) {
      await this.smtp.sendMail({ ...message, signal: AbortSignal.timeout(SEND_DEADLINE_MS) });
      return;
    }
    const info = await this.files!.sendMail(message);
    await this.writeFile(mail, info.message as Buffer);
  }

  /**
   * Closes the SMTP connections (MailWorker does, once it has stopped). `force` also ends deliveries
   * in progress: their mails fail and are retried later.
   */
  close(force = false): void {
    this.smtp?.close({ force });
  }

  private async writeFile(mail: MailEnvelope, raw: Buffer): Promise<void> {
    await mkdir(this.settings.directory, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const file = path.join(this.settings.directory, `${stamp}-${mail.template}-${mail.id}.eml`);
    // Written whole, then renamed: a tool watching the folder never sees half a message.
    await writeFile(`${file}.tmp`, raw, { mode: 0o600 });
    await rename(`${file}.tmp`, file);
    // In development the link is the point (a reset link is a password: production does not log it).
    this.logger.log({
      msg: 'mail written to a file',
      template: mail.template,
      file,
      ...(this.config.isProduction ? {} : { link: mail.content.link }),
    });
  }
}
