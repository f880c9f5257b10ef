import type { QuotaPeriod } from '../../generated/prisma/client';
import { accountSubscription } from './account-subscription';
import type { EntitlementInputs, SubscriptionWithPlanFeatures } from './compute-entitlements';
import type { SubscriptionSummary } from './entitlement.types';

/** A plan feature as the inputs statement answers it (JSON). */
export interface FeatureRow {
  key: string;
  limit: number | null;
  period: QuotaPeriod | null;
  overagePriceId: string | null;
  overageEventName: string | null;
}

/** A subscription as the inputs statement answers it (JSON: moments are ISO strings). */
export interface SubscriptionRow extends Omit<SubscriptionSummary, 'plan'> {
  /** The price's plan; null without a price. */
  plan: { key: string; features: FeatureRow[] } | null;
}

/** The one row of the statement that reads everything an entitlement computation needs. */
export interface EntitlementInputsRow {
  accountName: string | null;
  creditBalance: number | null;
  /** Up to the 10 newest, newest first. */
  subscriptions: SubscriptionRow[];
  defaultFeatures: FeatureRow[];
  /** Grants not revoked and not expired at the statement's `now`. */
  grants: { feature: string; limit: number | null; expiresAt: string | null }[];
}

/** Turns the statement's row into the inputs of `computeEntitlements`, picking the account's subscription. */
export function entitlementInputsFrom(accountId: string, row: EntitlementInputsRow): EntitlementInputs {
  const subscriptions = row.subscriptions.map((subscription): SubscriptionWithPlanFeatures => ({
    status: subscription.status,
    priceId: subscription.priceId,
    currentPeriodEnd: moment(subscription.currentPeriodEnd),
    cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
    trialEnd: moment(subscription.trialEnd),
    graceUntil: moment(subscription.graceUntil),
    quantity: subscription.quantity,
    pausedAt: moment(subscription.pausedAt),
    price: subscription.plan ? { plan: subscription.plan } : null,
  }));
  return {
    accountId,
    accountName: row.accountName ?? '',
    subscription: accountSubscription(subscriptions),
    defaultFeatures: row.defaultFeatures,
    grants: row.grants.map((grant) => ({ ...grant, expiresAt: moment(grant.expiresAt) })),
    creditBalance: row.creditBalance ?? 0,
  };
}

function moment(iso: string | null): Date | null {
  return iso === null ? null : new Date(iso);
}
