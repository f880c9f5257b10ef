import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import { AppConfig } from '../../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { stripeWork } from '../stripe/stripe-work';
import { StripeGateway } from '../stripe/stripe.gateway';
import { ClaimedMeterEvent, MeterEventOutboxRepository } from './meter-event-outbox.repository';
import { outcomeOfFailure, retryDelayMs, SendFailure, SendOutcome } from './meter-event-retry';

/** Meter events being sent at once by this instance (each for another account or meter). */
const MAX_IN_FLIGHT = 16;
/**
 * Rows claimed per round trip, held in hand until a send slot frees: claiming one row per freed slot
 * would make the claim's round trip, not Stripe, the limit. More are claimed once half are sent.
 */
const CLAIM_BATCH = 100;
const REFILL_AT = CLAIM_BATCH / 2;
/** How often marking a sent event is retried while the database does not answer. */
const MARK_SENT_RETRY_MS = 500;
/** At shutdown, how long sends in progress may take; those cut off are sent again (same identifier). */
const SHUTDOWN_GRACE_MS = 5_000;

/**
 * Sends the meter event outbox to Stripe, on every instance. It claims due rows (SKIP LOCKED, a lease,
 * no transaction held while Stripe answers), sends each as `billing.meterEvents.create` with the row's
 * identifier, also as the idempotency key, and marks it sent right after Stripe's answer. A crash
 * between the two leaves the row claimed by a dead instance: it is taken over at once and sent again
 * with the same identifier and key, so Stripe answers with the first event instead of counting a
 * second one. It looks every METER_EVENT_WORKER_INTERVAL_MS, and when a send frees room.
 */
@Injectable()
export class MeterEventWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(MeterEventWorker.name);
  private readonly inFlight = new Set<Promise<void>>();
  /** Claimed by this instance, not being sent yet (a crash leaves them to other instances at once). */
  private readonly inHand: ClaimedMeterEvent[] = [];
  private readonly leaseSeconds: number;
  private timer?: NodeJS.Timeout;
  private claiming: Promise<void> | null = null;
  private wakeAgain = false;
  private stopped = false;
  private databaseDown = false;

  constructor(
    private readonly config: AppConfig,
    private readonly outbox: MeterEventOutboxRepository,
    private readonly stripe: StripeGateway,
    private readonly metrics: MetricsService,
  ) {
    const { STRIPE_TIMEOUT_MS, STRIPE_MAX_NETWORK_RETRIES } = config.env;
    // Longer than the Stripe client may take with its own retries, so a live sender keeps its claim.
    this.leaseSeconds = Math.ceil((STRIPE_TIMEOUT_MS * (STRIPE_MAX_NETWORK_RETRIES + 1)) / 1000) + 60;
  }

  onApplicationBootstrap(): void {
    // Without Stripe the rows wait, pending, for a configuration that has it.
    if (this.stripe.configured) this.wake();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.claiming;
    let grace: NodeJS.Timeout | undefined;
    const cutOff = new Promise<void>((resolve) => (grace = setTimeout(resolve, SHUTDOWN_GRACE_MS)));
    await Promise.race([Promise.all(this.inFlight), cutOff]);
    clearTimeout(grace);
  }

  /** Looks for due events now, or right after the look in progress. */
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
      } else if (!this.stopped) {
        this.timer = setTimeout(() => this.wake(), this.config.env.METER_EVENT_WORKER_INTERVAL_MS);
        this.timer.unref();
      }
    });
  }

  private async claimAndStart(): Promise<void> {
    while (!this.stopped) {
      const room = CLAIM_BATCH - this.inHand.length - this.inFlight.size;
      if (room <= 0) return; // sends finishing wake the worker
      let claimed: ClaimedMeterEvent[];
      try {
        claimed = await this.outbox.claimDue(room, this.leaseSeconds, this.config.env.METER_EVENT_WINDOW_MS);
        if (this.databaseDown) this.logger.log({ msg: 'meter event worker reaches the database again' });
        this.databaseDown = false;
      } catch (error) {
        if (!this.databaseDown) {
          this.logger.warn({
            msg: 'meter event worker cannot claim events',
            reason: (error as Error).message,
          });
        }
        this.databaseDown = true;
        return;
      }
      this.inHand.push(...claimed);
      this.startSends();
      if (claimed.length < room) return;
    }
  }

  private startSends(): void {
    while (!this.stopped && this.inFlight.size < MAX_IN_FLIGHT) {
      const event = this.inHand.shift();
      if (!event) return;
      const sending = stripeWork
        .inBackground(() => this.deliver(event))
        .catch((error: Error) =>
          this.logger.error({
            msg: 'meter event delivery failed',
            meterEventId: event.id,
            reason: error.message,
          }),
        )
        .finally(() => {
          this.inFlight.delete(sending);
          this.startSends();
          if (this.inHand.length + this.inFlight.size === REFILL_AT) this.wake();
        });
      this.inFlight.add(sending);
    }
  }

  private async deliver(event: ClaimedMeterEvent): Promise<void> {
    if (event.value === 0) {
      await this.outbox.discardEmpty(event.id);
      return;
    }
    if (!event.stripeCustomerId) {
      // Overage of an account that never had a checkout (a grant, the default plan): it waits, visible
      // to admins, and goes out once the account has a customer.
      await this.retryLater(event, {
        kind: 'retry',
        at: new Date(Date.now() + retryDelayMs(event.attempts, this.config.env.METER_EVENT_RETRY_BASE_MS)),
        reason: 'the account has no Stripe customer yet',
      });
      return;
    }
    const customer = event.stripeCustomerId;
    let outcome: SendOutcome;
    try {
      await this.stripe.call('billing.meterEvents.create', (stripe) =>
        stripe.billing.meterEvents.create(
          {
            event_name: event.eventName,
            payload: { stripe_customer_id: customer, value: String(event.value) },
            identifier: event.identifier,
            timestamp: Math.floor(event.windowStart.getTime() / 1000),
          },
          { idempotencyKey: event.identifier },
        ),
      );
      outcome = { kind: 'sent' };
    } catch (error) {
      outcome = outcomeOfFailure(
        describeFailure(error),
        event.attempts,
        new Date(),
        this.config.env.METER_EVENT_RETRY_BASE_MS,
      );
    }
    if (outcome.kind === 'sent') await this.markSent(event);
    else if (outcome.kind === 'retry') await this.retryLater(event, outcome);
    else await this.giveUp(event, outcome.reason);
  }

  /**
   * Stripe has the event: from here until this update commits, a crash sends it again, with the same
   * identifier. While the database does not answer, keep trying for as long as the claim holds.
   */
  private async markSent(event: ClaimedMeterEvent): Promise<void> {
    const deadline = Date.now() + this.leaseSeconds * 1000;
    for (;;) {
      try {
        await this.outbox.markSent(event.id);
        break;
      } catch (error) {
        if (Date.now() > deadline || this.stopped) {
          this.logger.warn({
            msg: 'meter event sent but not marked: it is sent again',
            meterEventId: event.id,
          });
          return;
        }
        this.logger.warn({
          msg: 'meter event sent but marking it sent failed; retrying',
          meterEventId: event.id,
          reason: (error as Error).message,
        });
        await new Promise((resolve) => setTimeout(resolve, MARK_SENT_RETRY_MS));
      }
    }
    this.metrics.recordMeterEventSent(event.value);
  }

  private async retryLater(
    event: ClaimedMeterEvent,
    outcome: SendOutcome & { kind: 'retry' },
  ): Promise<void> {
    this.metrics.recordMeterEventAttemptFailed();
    this.logger.warn({
      msg: 'meter event not sent, will retry',
      meterEventId: event.id,
      attempts: event.attempts,
      retryInMs: outcome.at.getTime() - Date.now(),
      reason: outcome.reason,
    });
    // If this fails too, the claim runs out and the event is retried then.
    await this.outbox.scheduleRetry(event.id, outcome.at, outcome.reason).catch((error: Error) =>
      this.logger.warn({
        msg: 'could not schedule a meter event retry',
        meterEventId: event.id,
        reason: error.message,
      }),
    );
  }

  private async giveUp(event: ClaimedMeterEvent, reason: string): Promise<void> {
    this.metrics.recordMeterEventFailed();
    this.logger.error({
      msg: 'meter event rejected by Stripe',
      meterEventId: event.id,
      accountId: event.accountId,
      eventName: event.eventName,
      value: event.value,
      reason,
    });
    await this.outbox.markFailed(event.id, reason).catch((error: Error) =>
      this.logger.warn({
        msg: 'could not mark a meter event failed',
        meterEventId: event.id,
        reason: error.message,
      }),
    );
  }
}

function describeFailure(error: unknown): SendFailure {
  if (error instanceof DomainError) {
    const stripeCode = error.extensions.stripeCode;
    return {
      code: error.code,
      message: error.message,
      stripeCode: typeof stripeCode === 'string' ? stripeCode : null,
    };
  }
  return { code: null, message: error instanceof Error ? error.message : String(error), stripeCode: null };
}
