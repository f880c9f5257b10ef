import type { QuotaPeriod } from '../../generated/prisma/client';
import { DenialCode } from './access-policy';

export interface SubscriptionSummary {
  status: string;
  plan: string | null;
  priceId: string | null;
  currentPeriodEnd: string | null;
  cancelAtPeriodEnd: boolean;
  trialEnd: string | null;
  graceUntil: string | null;
  /** The subscription item's quantity (the seats of a per-seat price). */
  quantity: number;
  /** Since when it is paused (Stripe's `paused` status, or payment collection paused); null if not. */
  pausedAt: string | null;
}

export interface FeatureEntitlement {
  /** null = unlimited */
  limit: number | null;
  source: 'plan' | 'default' | 'grant';
  /** Set on a quota: the limit counts uses in this period. */
  period?: QuotaPeriod | null;
  /** Set on a quota with overage: uses past the limit pass and are billed on this metered price. */
  overage?: { priceId: string; eventName: string } | null;
  /** When a grant gives it: when that grant ends (null = never). */
  until?: Date | null;
}

/** Everything the guard needs to answer for one account, computed in one place. */
export interface Entitlements {
  accountId: string;
  /** The account's name, for the 402 body. */
  accountName: string;
  subscription: SubscriptionSummary | null;
  /** The plan of the account's live subscription (also while its paid features are withheld). */
  subscribedPlanKey: string | null;
  /** The features of that plan, granted or not. */
  subscribedPlanFeatures: Set<string>;
  features: Map<string, FeatureEntitlement>;
  /** Why the subscribed plan's features are withheld; null while they are granted. */
  denial: DenialCode | null;
  creditBalance: number;
  /** The earliest moment this result may change without any event (a grace or grant ending). */
  validUntil: Date | null;
}
