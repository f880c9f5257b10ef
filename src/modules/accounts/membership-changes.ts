import { Injectable, Logger } from '@nestjs/common';

type MembershipListener = (accountId: string) => Promise<unknown>;

/**
 * Tells the modules that follow an account's member count (billing's seats) that it changed, once the
 * change has committed, on the instance that made it. A listener's failure is logged, never the caller's:
 * whatever it missed, reconciliation finds by comparing the count again.
 */
@Injectable()
export class MembershipChanges {
  private readonly logger = new Logger(MembershipChanges.name);
  private readonly listeners: MembershipListener[] = [];

  onChange(listener: MembershipListener): void {
    this.listeners.push(listener);
  }

  /** Runs the listeners and waits for them (so a 204 for a removal comes after Stripe heard of it). */
  async changed(accountId: string): Promise<void> {
    await Promise.all(
      this.listeners.map((listener) =>
        listener(accountId).catch((error: unknown) =>
          this.logger.warn({
            msg: 'member count change not followed; reconciliation will',
            accountId,
            reason: (error as Error).message,
          }),
        ),
      ),
    );
  }
}
