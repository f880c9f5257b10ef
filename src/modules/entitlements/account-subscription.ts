import { isLive } from './access-policy';

/**
 * A live subscription past its first payment: one an account is billed for. An `incomplete` one (a
 * first payment not confirmed) is not, yet.
 */
export function isEstablished(status: string): boolean {
  return isLive(status) && status !== 'incomplete';
}

/**
 * The subscription that stands for the account, from its subscriptions newest first: the oldest
 * established one (a second one is a duplicate, canceled and refunded as soon as it is seen, and never
 * takes over meanwhile), else the newest live one (a first payment being confirmed), else the newest.
 */
export function accountSubscription<T extends { status: string }>(newestFirst: readonly T[]): T | null {
  const established = newestFirst.filter((subscription) => isEstablished(subscription.status));
  return (
    established[established.length - 1] ??
    newestFirst.find((subscription) => isLive(subscription.status)) ??
    newestFirst[0] ??
    null
  );
}
