import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';

import { AppConfig } from '../../../config/app-config';
import { InstanceLivenessService } from '../../../database/instance-liveness.service';
import { stripeWork } from '../../stripe/stripe-work';
import { SeatsService } from '../seats.service';
import { ReconciliationService } from './reconciliation.service';

const RECONCILE_LOCK_ID = 0x72656364; // 'recd'

/** Periodically catches up missed events and re-syncs subscriptions, on one instance at a time. */
@Injectable()
export class ReconciliationScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ReconciliationScheduler.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly liveness: InstanceLivenessService,
    private readonly reconciliation: ReconciliationService,
    private readonly seats: SeatsService,
  ) {}

  onApplicationBootstrap(): void {
    const interval = this.config.env.RECONCILE_INTERVAL_MS;
    if (interval === 0 || !this.config.stripe) return;
    this.timer = setInterval(() => void this.runOnce(), interval);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** One pass, unless one runs already here or on another instance (the session lock). */
  async runOnce(): Promise<boolean> {
    const interval = this.config.env.RECONCILE_INTERVAL_MS;
    try {
      // Background work for the Stripe budget: user-facing calls go first.
      return await stripeWork.inBackground(() =>
        this.liveness.withSessionLock(RECONCILE_LOCK_ID, async () => {
          const events = await this.reconciliation.catchUpEvents();
          const resynced = await this.reconciliation.resyncStaleSubscriptions(
            new Date(Date.now() - interval),
          );
          const seatsHealed = await this.seats.healAll('reconcile');
          this.logger.log({ msg: 'reconciliation pass', ...events, resynced, seatsHealed });
        }),
      );
    } catch (error) {
      this.logger.warn({ msg: 'reconciliation pass failed', reason: (error as Error).message });
      return false;
    }
  }
}
