import { AsyncLocalStorage } from 'node:async_hooks';

import type { StripePriority } from './request-pacing';

/** The store's value only says "background"; an object, as AsyncLocalStorage wants one. */
const BACKGROUND = { background: true } as const;

/**
 * Which Stripe calls are background work (webhooks, reconciliation, catch-up, seat healing, meter
 * events): they wait behind user-facing ones. Marked at the entry points and carried down the call
 * chain by an AsyncLocalStorage, so no signature in between names it. On Node 20 an active
 * AsyncLocalStorage puts a hook on every promise of the process (about a fifth more CPU per request,
 * see `common/http/request-origin.ts`), so it is switched on only while background work runs and off
 * again when the last piece ends: an instance without webhooks or reconciliation in progress pays nothing.
 */
class StripeWork {
  private readonly storage = new AsyncLocalStorage<typeof BACKGROUND>();
  private running = 0;

  async inBackground<T>(work: () => Promise<T>): Promise<T> {
    if (this.storage.getStore()) return work();
    this.running++;
    try {
      return await this.storage.run(BACKGROUND, work);
    } finally {
      this.running--;
      if (this.running === 0) this.storage.disable();
    }
  }

  priority(): StripePriority {
    return this.storage.getStore() ? 'background' : 'user';
  }
}

export const stripeWork = new StripeWork();
