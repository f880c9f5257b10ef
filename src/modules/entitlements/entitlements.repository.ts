import { Injectable } from '@nestjs/common';

import { PrismaService } from '../../database/prisma.service';
import { PlanFeature, Prisma, Subscription } from '../../generated/prisma/client';
import { accountSubscription } from './account-subscription';
import type { EntitlementInputs } from './compute-entitlements';
import { entitlementInputsFrom, EntitlementInputsRow } from './entitlement-inputs';

export type SubscriptionWithPlan = Subscription & {
  price: { id: string; perSeat: boolean; plan: { key: string; features: PlanFeature[] } } | null;
};

const FEATURE_JSON = `json_build_object('key', f.key, 'limit', f."limit", 'period', f.period,
  'overagePriceId', f.overage_price_id, 'overageEventName', f.overage_event_name)`;

/**
 * Everything an entitlement computation reads, in one prepared statement (it runs on every cache miss):
 * the account's name and balance, its 10 newest subscriptions with their plans' features (what
 * `currentSubscription` reads), the default plan's features and the grants live at $2.
 */
const ENTITLEMENT_INPUTS = `
  SELECT (SELECT name FROM accounts WHERE id = $1::uuid) AS "accountName",
    (SELECT balance FROM credit_balances WHERE account_id = $1::uuid) AS "creditBalance",
    COALESCE((
      SELECT json_agg(json_build_object('status', s.status, 'priceId', s.price_id,
               'currentPeriodEnd', s.current_period_end, 'cancelAtPeriodEnd', s.cancel_at_period_end,
               'trialEnd', s.trial_end, 'graceUntil', s.grace_until, 'quantity', s.quantity,
               'pausedAt', s.paused_at,
               'plan', CASE WHEN pl.id IS NULL THEN NULL ELSE json_build_object('key', pl.key, 'features',
                 COALESCE((SELECT json_agg(${FEATURE_JSON}) FROM plan_features f WHERE f.plan_id = pl.id), '[]'))
               END)
             ORDER BY s.stripe_created_at DESC, s.stripe_subscription_id DESC)
        FROM (SELECT * FROM subscriptions WHERE account_id = $1::uuid
               ORDER BY stripe_created_at DESC, stripe_subscription_id DESC LIMIT 10) AS s
        LEFT JOIN prices p ON p.id = s.price_id
        LEFT JOIN plans pl ON pl.id = p.plan_id), '[]') AS subscriptions,
    COALESCE((
      SELECT json_agg(${FEATURE_JSON})
        FROM plan_features f JOIN plans d ON d.id = f.plan_id
       WHERE d.is_default AND d.active), '[]') AS "defaultFeatures",
    COALESCE((
      SELECT json_agg(json_build_object('feature', g.feature, 'limit', g."limit", 'expiresAt', g.expires_at)
                      ORDER BY g.created_at, g.id)
        FROM grants g
       WHERE g.account_id = $1::uuid AND g.revoked_at IS NULL
         AND (g.expires_at IS NULL OR g.expires_at > $2::timestamptz)), '[]') AS grants`;

/** The reads behind an entitlement computation. */
@Injectable()
export class EntitlementsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The subscription that decides access (`accountSubscription`): an established one first, the oldest. */
  async currentSubscription(accountId: string): Promise<SubscriptionWithPlan | null> {
    const subscriptions = await this.prisma.subscription.findMany({
      where: { accountId },
      include: {
        price: { select: { id: true, perSeat: true, plan: { select: { key: true, features: true } } } },
      },
      orderBy: [{ stripeCreatedAt: 'desc' }, { stripeSubscriptionId: 'desc' }],
      take: 10,
    });
    return accountSubscription(subscriptions);
  }

  /** What `computeEntitlements` needs for the account at `now`: one statement, one round trip. */
  async entitlementInputs(accountId: string, now: Date): Promise<EntitlementInputs> {
    const [row] = await this.prisma.prepared<EntitlementInputsRow>('entitlement-inputs', ENTITLEMENT_INPUTS, [
      accountId,
      now,
    ]);
    return entitlementInputsFrom(accountId, row!);
  }

  async creditBalance(accountId: string): Promise<number> {
    const row = await this.prisma.creditBalance.findUnique({ where: { accountId } });
    return row?.balance ?? 0;
  }

  recordChange(
    accountId: string,
    kind: string,
    cause: string,
    details: Prisma.InputJsonValue,
    client: Prisma.TransactionClient = this.prisma,
  ): Promise<unknown> {
    return client.entitlementEvent.create({ data: { accountId, kind, cause, details } });
  }

  recentChanges(accountId: string, take = 50) {
    return this.prisma.entitlementEvent.findMany({
      where: { accountId },
      orderBy: { createdAt: 'desc' },
      take,
    });
  }
}
