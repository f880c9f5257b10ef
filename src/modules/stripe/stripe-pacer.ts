import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';

import { AppConfig } from '../../config/app-config';
import { InstanceLivenessService } from '../../database/instance-liveness.service';
import { RequestBudget, StripePriority } from './request-pacing';
import { MetricsService } from '../metrics/metrics.service';

/** How often the number of live instances (and so this instance's share) is read again. */
const SHARE_REFRESH_MS = 5_000;

/**
 * This instance's Stripe request budget: STRIPE_MAX_RPS divided by the live instances, spent by
 * every HTTP request the Stripe client sends (`PacedHttpClient`), user-facing requests first.
 */
@Injectable()
export class StripePacer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(StripePacer.name);
  private readonly budget: RequestBudget;
  private readonly waiting: Record<StripePriority, (() => void)[]> = { user: [], background: [] };
  private liveInstances = 1;
  private timer?: NodeJS.Timeout;
  private refresher?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly liveness: InstanceLivenessService,
    metrics: MetricsService,
  ) {
    this.budget = new RequestBudget(config.env.STRIPE_MAX_RPS, Date.now());
    metrics.watchStripeBusiestSecond(() => this.budget.busiestSecond);
  }

  onApplicationBootstrap(): void {
    if (!this.config.stripe) return;
    void this.refreshShare();
    this.refresher = setInterval(() => void this.refreshShare(), SHARE_REFRESH_MS);
    this.refresher.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.refresher);
    clearTimeout(this.timer);
    // Nothing may hang at shutdown: whoever still waits goes now.
    for (const queue of [this.waiting.user, this.waiting.background]) for (const go of queue.splice(0)) go();
  }

  /** This instance's share of the budget now, requests per second (lower after a 429). */
  get ratePerSecond(): number {
    return this.budget.rateAt(Date.now());
  }

  /** Resolves when a request of this priority may go out: user-facing ones before any background one. */
  acquire(priority: StripePriority): Promise<void> {
    const now = Date.now();
    if (this.idle() && this.budget.waitMs(now, priority) === 0) {
      this.budget.take(now, priority);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.waiting[priority].push(resolve);
      this.pump();
    });
  }

  /** A request `acquire` let go was answered or failed: its in-flight turn is free. */
  release(): void {
    this.budget.finish();
    if (!this.idle()) this.pump();
  }

  /**
   * Whether a background request would go out at once now (nobody waiting, budget left): the webhook
   * intake processes inline only then. Nothing is taken: a turn is taken when a request is sent, so
   * that one sent late (after waiting for a fetch in flight) is counted when it goes out.
   */
  hasRoomForBackground(): boolean {
    return this.idle() && this.budget.waitMs(Date.now(), 'background') === 0;
  }

  /** Stripe answered 429: the whole client slows down. */
  rateLimited(): void {
    const before = this.budget.rateAt(Date.now());
    this.budget.slowDown(Date.now());
    const after = this.budget.rateAt(Date.now());
    if (after < before)
      this.logger.warn({ msg: 'Stripe rate-limited us; slowing down', requestsPerSecond: after });
  }

  private idle(): boolean {
    return this.waiting.user.length === 0 && this.waiting.background.length === 0;
  }

  private pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (;;) {
      const priority: StripePriority = this.waiting.user.length > 0 ? 'user' : 'background';
      const queue = this.waiting[priority];
      if (queue.length === 0) return;
      const now = Date.now();
      const wait = this.budget.waitMs(now, priority);
      // Infinity: every in-flight turn is taken; `release` pumps again.
      if (wait === Number.POSITIVE_INFINITY) return;
      if (wait > 0) {
        this.timer = setTimeout(() => this.pump(), wait);
        return;
      }
      this.budget.take(now, priority);
      queue.shift()!();
    }
  }

  private async refreshShare(): Promise<void> {
    let live: number;
    try {
      live = await this.liveness.liveInstances();
    } catch {
      return; // the liveness connection is down: keep the last share
    }
    if (live === this.liveInstances) return;
    this.liveInstances = live;
    this.budget.setRate(this.config.env.STRIPE_MAX_RPS / live, Date.now());
    this.logger.log({
      msg: 'Stripe request budget shared',
      liveInstances: live,
      requestsPerSecond: this.budget.fullRate,
    });
  }
}
