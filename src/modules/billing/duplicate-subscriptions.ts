import { isEstablished } from '../entitlements/account-subscription';

export interface ListedSubscription {
  id: string;
  status: string;
  /** Unix seconds. */
  created: number;
}

/**
 * From one customer's subscriptions as Stripe lists them (newest first): the established one to keep,
 * the oldest, and the duplicates to cancel, every other established one. Within one second Stripe's
 * list order tells which was created first.
 */
export function splitDuplicates<T extends ListedSubscription>(
  newestFirst: readonly T[],
): { kept: T | null; duplicates: T[] } {
  const oldestFirst = newestFirst
    .filter((subscription) => isEstablished(subscription.status))
    .reverse()
    .sort((a, b) => a.created - b.created); // stable: ties keep Stripe's order
  const [kept = null, ...duplicates] = oldestFirst;
  return { kept, duplicates };
}
