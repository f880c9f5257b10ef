import { Injectable, Logger } from '@nestjs/common';

import { DomainError } from '../../common/errors/domain-error';
import { DenialCode } from '../entitlements/access-policy';
import { Entitlements } from '../entitlements/entitlement.types';
import { MetricsService } from '../metrics/metrics.service';
import { OfferedPlan, PaywallCatalog } from './paywall-catalog.service';
import { PaymentRequiredLog } from './payment-required.log';

export type PaymentRequiredCode = DenialCode | 'limit_reached' | 'quota_exhausted' | 'insufficient_credits';

export interface PaymentRequiredContext {
  code: PaymentRequiredCode;
  feature: string | null;
  route: string;
  entitlements: Entitlements;
  limit?: { limit: number; used: number };
  credits?: { required: number; balance: number };
  quota?: { limit: number; used: number; period: string; resetsAt: Date; retryAfterSeconds: number };
}

/** Seconds after which a pending first payment is worth checking again. */
const PAYMENT_PENDING_RETRY_AFTER = 10;

const ACTIONS = {
  checkout: { method: 'POST', href: '/v1/billing/checkout' },
  portal: { method: 'POST', href: '/v1/billing/portal' },
};

/** Builds the 402 answer (what to buy and where), and counts and logs it. */
@Injectable()
export class PaymentRequiredFactory {
  private readonly logger = new Logger('PaymentRequired');

  constructor(
    private readonly catalog: PaywallCatalog,
    private readonly metrics: MetricsService,
    private readonly log: PaymentRequiredLog,
  ) {}

  async create(context: PaymentRequiredContext): Promise<DomainError> {
    const plans = await this.offers(context);
    const featureLabel = context.feature ?? 'credits';
    this.metrics.recordPaymentRequired(context.code, featureLabel, context.route);
    this.logger.log({
      msg: 'payment required',
      accountId: context.entitlements.accountId,
      code: context.code,
      feature: featureLabel,
      route: context.route,
    });
    this.log.record({
      accountId: context.entitlements.accountId,
      code: context.code,
      feature: featureLabel,
      route: context.route,
    });
    const headers: Record<string, string> = { 'cache-control': 'no-store' };
    if (context.code === 'payment_pending') headers['retry-after'] = String(PAYMENT_PENDING_RETRY_AFTER);
    if (context.quota) headers['retry-after'] = String(context.quota.retryAfterSeconds);
    return new DomainError(
      context.code,
      describe(context, plans),
      {
        feature: context.feature,
        account: { id: context.entitlements.accountId, name: context.entitlements.accountName },
        subscription: context.entitlements.subscription,
        plans,
        actions: ACTIONS,
        ...(context.limit ? { limit: context.limit } : {}),
        ...(context.credits ? { credits: context.credits } : {}),
        ...(context.quota
          ? {
              quota: {
                limit: context.quota.limit,
                used: context.quota.used,
                period: context.quota.period,
                resetsAt: context.quota.resetsAt.toISOString(),
              },
            }
          : {}),
      },
      headers,
    );
  }

  private offers(context: PaymentRequiredContext): Promise<OfferedPlan[]> {
    if (context.code === 'insufficient_credits') return this.catalog.creditPacks();
    if (context.code === 'limit_reached' && context.feature && context.limit) {
      return this.catalog.plansAboveLimit(context.feature, context.limit.limit);
    }
    if (context.code === 'quota_exhausted' && context.feature && context.quota) {
      return this.catalog.plansAboveLimit(context.feature, context.quota.limit);
    }
    return this.catalog.plansWithFeature(context.feature ?? '');
  }
}

function describe(context: PaymentRequiredContext, plans: OfferedPlan[]): string {
  const feature = humanize(context.feature ?? 'this');
  const planNames = plans.map((plan) => plan.name);
  const offered = planNames.length > 0 ? `the ${joinOr(planNames)} plan` : 'a paid plan';
  const current = context.entitlements.subscribedPlanKey;
  switch (context.code) {
    case 'subscription_required':
      return `${feature} are part of ${offered}. Subscribe to unlock them.`;
    case 'feature_not_in_plan':
      return `${feature} are not part of your ${current ?? 'current'} plan. Upgrade to ${offered} to unlock them.`;
    case 'payment_pending':
      return `Your first payment is still being confirmed. ${feature} unlock as soon as it clears; if you did not finish paying, check out again.`;
    case 'past_due':
      return `Your last payment failed and the grace period has ended. Update your payment method to unlock ${feature.toLowerCase()} again.`;
    case 'subscription_paused':
      return `Your subscription is paused. Resume it to unlock ${feature.toLowerCase()}.`;
    case 'limit_reached':
      return `You have used ${context.limit?.used} of the ${context.limit?.limit} ${feature.toLowerCase()} your plan allows. Upgrade to ${offered} for more.`;
    case 'quota_exhausted':
      return `You have used all ${context.quota?.limit} ${feature.toLowerCase()} of this ${context.quota?.period === 'day' ? 'day' : context.quota?.period === 'month' ? 'month' : 'billing period'}; they reset at ${context.quota?.resetsAt.toISOString()}. Upgrade to ${offered} for more.`;
    case 'insufficient_credits':
      return `This needs ${context.credits?.required} credit${context.credits?.required === 1 ? '' : 's'} and your balance is ${context.credits?.balance}. Buy a credit pack to continue.`;
  }
}

function humanize(key: string): string {
  const words = key.replace(/[-_]+/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function joinOr(names: string[]): string {
  return names.length <= 1
    ? names.join('')
    : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}
