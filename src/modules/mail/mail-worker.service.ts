import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';

import { AppConfig } from '../../config/app-config';
import { ChangeFeed } from '../change-feed/change-feed.service';
import { MetricsService } from '../metrics/metrics.service';
import { ClaimedMail, MailOutboxRepository } from './mail-outbox.repository';
import { describeSendFailure, nextStepAfterFailure, RetryPolicy } from './mail-retry';
import { SEND_LEASE_SECONDS, MailTransport } from './mail-transport.service';
import { MailContext, MailTemplateParams, RenderedMail } from './mail.types';
import { isMailTemplate, renderMail, secretParamsOf } from './templates';

/** Mails being sent at once by this instance; a stuck delivery holds up no other. */
const MAX_IN_FLIGHT = 20;
/** How often marking a sent mail is retried while the database does not answer. */
const MARK_SENT_RETRY_MS = 500;
/** At shutdown, how long deliveries in progress may take before their connections are cut. */
const SHUTDOWN_GRACE_MS = 5_000;

/**
 * Sends what the outbox holds, on every instance. It claims due mails (SKIP LOCKED, a lease, no
 * transaction held while sending), sends each on its own, and marks each one sent as soon as the
 * server has accepted it. It looks for mail when mail is written on any instance (the change feed's
 * NOTIFY), every MAIL_WORKER_INTERVAL_MS (retries, claims left by a crashed instance), when a
 * delivery frees room, and at boot.
 */
@Injectable()
export class MailWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(MailWorker.name);
  private readonly context: MailContext;
  private readonly policy: RetryPolicy;
  private readonly inFlight = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;
  private claiming: Promise<void> | null = null;
  private wakeAgain = false;
  private stopped = false;
  private databaseDown = false;

  constructor(
    private readonly config: AppConfig,
    private readonly outbox: MailOutboxRepository,
    private readonly transport: MailTransport,
    private readonly changes: ChangeFeed,
    private readonly metrics: MetricsService,
  ) {
    const { productName, appUrl } = config.mail;
    this.context = { productName, appUrl };
    this.policy = {
      baseDelayMs: config.env.MAIL_RETRY_BASE_MS,
      giveUpAfterMs: config.env.MAIL_GIVE_UP_AFTER_MINUTES * 60_000,
    };
  }

  onApplicationBootstrap(): void {
    this.changes.subscribe('mail', () => this.wake());
    // Announcements may have been missed while the change feed was down.
    this.changes.onGap(() => this.wake());
    this.wake();
  }

  /**
   * Stops claiming and lets the mails in hand be sent and marked; deliveries still running after
   * SHUTDOWN_GRACE_MS are cut off, and their mails retried later (by any instance).
   */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.claiming;
    const deliveries = Promise.all(this.inFlight);
    let grace: NodeJS.Timeout | undefined;
    const cutOff = new Promise<void>((resolve) => (grace = setTimeout(resolve, SHUTDOWN_GRACE_MS)));
    await Promise.race([deliveries, cutOff]);
    clearTimeout(grace);
    this.transport.close(true);
    await deliveries;
  }

  /** Looks for due mail now, or right after the look in progress. */
  wake(): void {
    if (this.stopped) return;
    if (this.claiming) {
      this.wakeAgain = true;
      return;
    }
    clearTimeout(this.timer);
    this.claiming = this.claimAndStart().finally(() => {
      this.claiming = null;
      if (this.wakeAgain) {
        this.wakeAgain = false;
        this.wake();
      } else {
        this.schedule();
      }
    });
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.wake(), this.config.env.MAIL_WORKER_INTERVAL_MS);
    this.timer.unref();
  }

  /** Claims as many due mails as there is room for and starts sending each. */
  private async claimAndStart(): Promise<void> {
    while (!this.stopped) {
      const room = MAX_IN_FLIGHT - this.inFlight.size;
      if (room <= 0) return; // a finishing delivery wakes the worker
      let claimed: ClaimedMail[];
      try {
        const result = await this.outbox.claimDue(room, SEND_LEASE_SECONDS);
        this.metrics.recordOldestPendingMail(result.oldestPendingAt);
        claimed = result.mails;
        if (this.databaseDown) this.logger.log({ msg: 'mail worker reaches the database again' });
        this.databaseDown = false;
      } catch (error) {
        // Logged once per outage, not every interval.
        if (!this.databaseDown) {
          this.logger.warn({ msg: 'mail worker cannot claim mail', reason: (error as Error).message });
        }
        this.databaseDown = true;
        return;
      }
      for (const mail of claimed) this.start(mail);
      if (claimed.length < room) return;
    }
  }

  private start(mail: ClaimedMail): void {
    const delivery = this.deliver(mail)
      .catch((error: Error) =>
        this.logger.error({ msg: 'mail delivery failed', mailId: mail.id, reason: error.message }),
      )
      .finally(() => {
        this.inFlight.delete(delivery);
        // The worker may have stopped claiming for want of room.
        if (this.inFlight.size === MAX_IN_FLIGHT - 1) this.wake();
      });
    this.inFlight.add(delivery);
  }

  private async deliver(mail: ClaimedMail): Promise<void> {
    const secretParams = secretParamsOf(mail.template);
    let content: RenderedMail;
    try {
      content = this.render(mail);
    } catch (error) {
      // A row no template can render would fail the same way on every attempt.
      await this.giveUp(mail, 'rejected', `cannot render: ${(error as Error).message}`, secretParams);
      return;
    }
    try {
      await this.transport.send({
        id: mail.id,
        to: mail.recipient,
        template: mail.template,
        messageId: mail.messageId,
        content,
      });
    } catch (error) {
      await this.handleFailure(mail, error, secretParams);
      return;
    }
    await this.markSent(mail, secretParams);
  }

  private render(mail: ClaimedMail): RenderedMail {
    if (!isMailTemplate(mail.template)) throw new Error(`no template named ${mail.template}`);
    if (typeof mail.params !== 'object' || mail.params === null || Array.isArray(mail.params)) {
      throw new Error('the parameters are not an object');
    }
    return renderMail(
      mail.template,
      mail.params as unknown as MailTemplateParams[typeof mail.template],
      this.context,
    );
  }

  /**
   * The server has the mail: from here until this update commits, a crash would send it again.
   * While the database does not answer, keep trying for as long as the claim holds.
   */
  private async markSent(mail: ClaimedMail, secretParams: string[]): Promise<void> {
    const deadline = Date.now() + SEND_LEASE_SECONDS * 1000;
    for (;;) {
      try {
        await this.outbox.markSent(mail.id, secretParams);
        break;
      } catch (error) {
        // Past the claim (or at shutdown), another attempt may send it anyway.
        if (Date.now() > deadline || this.stopped) {
          this.logger.error({ msg: 'mail sent but not marked: it may be sent again', mailId: mail.id });
          return;
        }
        this.logger.warn({
          msg: 'mail sent but marking it sent failed; retrying',
          mailId: mail.id,
          reason: (error as Error).message,
        });
        await new Promise((resolve) => setTimeout(resolve, MARK_SENT_RETRY_MS));
      }
    }
    this.metrics.recordMailSent(mail.template);
    this.logger.log({
      msg: 'mail sent',
      mailId: mail.id,
      template: mail.template,
      attempts: mail.attempts,
      sinceWrittenMs: Date.now() - mail.createdAt.getTime(),
    });
  }

  private async handleFailure(mail: ClaimedMail, error: unknown, secretParams: string[]): Promise<void> {
    const failure = describeSendFailure(error);
    const step = nextStepAfterFailure(failure, mail, new Date(), this.policy);
    if (step.kind === 'give-up') {
      await this.giveUp(mail, step.reason, failure.reason, secretParams);
      return;
    }
    this.metrics.recordMailAttemptFailed();
    this.logger.warn({
      msg: 'mail not sent, will retry',
      mailId: mail.id,
      template: mail.template,
      attempts: mail.attempts,
      retryInMs: step.at.getTime() - Date.now(),
      reason: failure.reason,
    });
    // If this fails too, the claim runs out and the mail is retried then.
    await this.outbox
      .scheduleRetry(mail.id, step.at, failure.reason)
      .catch((reason: Error) =>
        this.logger.warn({ msg: 'could not schedule a mail retry', mailId: mail.id, reason: reason.message }),
      );
  }

  private async giveUp(
    mail: ClaimedMail,
    reason: 'rejected' | 'expired',
    error: string,
    secretParams: string[],
  ): Promise<void> {
    this.metrics.recordMailFailed(mail.template, reason);
    this.logger.error({
      msg: 'mail given up',
      mailId: mail.id,
      template: mail.template,
      attempts: mail.attempts,
      reason,
      error,
    });
    await this.outbox
      .markFailed(mail.id, error, secretParams)
      .catch((failure: Error) =>
        this.logger.warn({ msg: 'could not mark a mail failed', mailId: mail.id, reason: failure.message }),
      );
  }
}
