/** The 402 codes of the access policy. */
export type DenialCode =
  'subscription_required' | 'feature_not_in_plan' | 'payment_pending' | 'past_due' | 'subscription_paused';

export interface SubscriptionState {
  status: string;
  cancelAtPeriodEnd: boolean;
  currentPeriodEnd: Date | null;
  graceUntil: Date | null;
}

/**
 * What a subscription in this state gives: its plan's features ('plan'), or only the default plan's
 * ('default'), and then the code that explains why the paid features are withheld.
 */
export type PlanAccess = { grants: 'plan' } | { grants: 'default'; denial: DenialCode };

export const LIVE_STATUSES = ['active', 'trialing', 'past_due', 'incomplete', 'paused', 'unpaid'] as const;
const LIVE = new Set<string>(LIVE_STATUSES);

export function isLive(status: string): boolean {
  return LIVE.has(status);
}

/** SPEC's access policy table. */
export function planAccess(subscription: SubscriptionState | null, now: Date): PlanAccess {
  if (!subscription) return { grants: 'default', denial: 'subscription_required' };
  const periodOver = subscription.currentPeriodEnd !== null && subscription.currentPeriodEnd <= now;
  switch (subscription.status) {
    case 'active':
    case 'trialing':
      return subscription.cancelAtPeriodEnd && periodOver
        ? { grants: 'default', denial: 'subscription_required' }
        : { grants: 'plan' };
    case 'past_due':
      return subscription.graceUntil && subscription.graceUntil > now
        ? { grants: 'plan' }
        : { grants: 'default', denial: 'past_due' };
    case 'incomplete':
      return { grants: 'default', denial: 'payment_pending' };
    case 'paused':
      return { grants: 'default', denial: 'subscription_paused' };
    default:
      return { grants: 'default', denial: 'subscription_required' };
  }
}
