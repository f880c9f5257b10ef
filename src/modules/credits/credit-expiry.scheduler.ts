import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';

import { AppConfig } from '../../config/app-config';
import { InstanceLivenessService } from '../../database/instance-liveness.service';
import { CreditsService } from './credits.service';

const CREDIT_EXPIRY_LOCK_ID = 0x63726578; // 'crex'

export interface CreditExpiryPass {
  /** False when a pass was running already, here or on another instance. */
  ran: boolean;
  accounts: number;
  creditsExpired: number;
}

/** Every CREDIT_EXPIRY_INTERVAL_MS, one instance at a time takes expired credits out of balances. */
@Injectable()
export class CreditExpiryScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(CreditExpiryScheduler.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly liveness: InstanceLivenessService,
    private readonly credits: CreditsService,
  ) {}

  onApplicationBootstrap(): void {
    const interval = this.config.env.CREDIT_EXPIRY_INTERVAL_MS;
    if (interval === 0) return;
    this.timer = setInterval(() => void this.runOnce().catch(() => undefined), interval);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** One pass; `now` is the clock lots are judged by. Throws only when the pass itself fails. */
  async runOnce(now = new Date()): Promise<CreditExpiryPass> {
    const pass: CreditExpiryPass = { ran: false, accounts: 0, creditsExpired: 0 };
    try {
      pass.ran = await this.liveness.withSessionLock(CREDIT_EXPIRY_LOCK_ID, async () => {
        Object.assign(pass, await this.credits.expireDue(now));
      });
      if (pass.creditsExpired > 0) this.logger.log({ msg: 'credits expired', ...pass });
      return pass;
    } catch (error) {
      this.logger.warn({ msg: 'credit expiry pass failed', reason: (error as Error).message });
      throw error;
    }
  }
}
