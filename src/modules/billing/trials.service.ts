import { Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';

import { DomainError } from '../../common/errors/domain-error';
import { Price } from '../../generated/prisma/client';
import type { AuthenticatedUser } from '../auth/identity';
import { isLive } from '../entitlements/access-policy';
import { EntitlementsService, toSubscriptionSummary } from '../entitlements/entitlements.service';
import { PlanWithCatalog } from '../plans/plan.types';
import { PlansService } from '../plans/plans.service';
import { StripeGateway } from '../stripe/stripe.gateway';
import { UsersService } from '../users/users.service';
import { SubscriptionSummaryDto } from './billing.dto';
import { billingAccountOf } from './billing.service';
import { CustomersService } from './customers.service';
import { SeatsService } from './seats.service';
import { SubscriptionSyncService } from './subscription-sync.service';
import { TrialStartsRepository } from './trial-starts.repository';

/**
 * How long a claim without a subscription counts as an attempt in progress: far beyond one Stripe
 * create with its retries (STRIPE_TIMEOUT_MS × (STRIPE_MAX_NETWORK_RETRIES + 1) plus back-off).
 */
const CLAIM_LEASE_SECONDS = 300;

type TrialPrice = Price & { stripePriceId: string };

/**
 * Trials without a card: a subscription on the plan's recurring price that starts trialing at once,
 * with no payment method. Stripe asks for one during the trial (`save_default_payment_method`) and
 * cancels the subscription when the trial ends without one (`trial_settings.end_behavior`); that
 * `customer.subscription.deleted` reaches us like every other subscription event and ends access.
 */
@Injectable()
export class TrialsService {
  private readonly logger = new Logger(TrialsService.name);

  constructor(
    private readonly plans: PlansService,
    private readonly trialStarts: TrialStartsRepository,
    private readonly customers: CustomersService,
    private readonly seats: SeatsService,
    private readonly entitlements: EntitlementsService,
    private readonly subscriptionSync: SubscriptionSyncService,
    private readonly stripe: StripeGateway,
    private readonly users: UsersService,
  ) {}

  async start(caller: AuthenticatedUser, planKey: string): Promise<SubscriptionSummaryDto> {
    const accountId = billingAccountOf(caller);
    this.stripe.requireConfigured();
    await this.users.assertVerifiedWhenRequired(caller.id);
    const { plan, price } = await this.trialOffer(planKey);

    const claim = await this.trialStarts.claim(accountId, plan.id, CLAIM_LEASE_SECONDS);
    if (claim.kind === 'used') {
      throw new DomainError('trial_used', `This account has had the trial of plan "${plan.key}" already.`);
    }
    if (claim.kind === 'busy') {
      throw new DomainError(
        'already_subscribed',
        'A trial of another plan is being started for this account.',
      );
    }
    let subscriptionId: string;
    try {
      await this.assertNotSubscribed(accountId);
      subscriptionId = await this.createTrialSubscription(caller, accountId, plan, price);
    } catch (error) {
      // Nothing was made, or what Stripe made a retry gets back (the same idempotency key): try again.
      await this.trialStarts
        .release(accountId, plan.id, claim.claimedAt)
        .catch((releaseError: Error) =>
          this.logger.warn({ msg: 'trial claim not released', accountId, reason: releaseError.message }),
        );
      throw error;
    }
    try {
      await this.subscriptionSync.syncById(subscriptionId, `trial:${plan.key}:${caller.id}`);
    } finally {
      // Recorded after the sync, so that a claim of another plan waits until this one is live here.
      await this.trialStarts.recordSubscription(accountId, plan.id, subscriptionId);
    }
    const current = await this.entitlements.currentSubscription(accountId);
    if (!current) throw new DomainError('stripe_unavailable', 'The trial did not reach us yet; try again.');
    return toSubscriptionSummary(current);
  }

  /** The plan and the price its trial runs on: the monthly one, else the first recurring one on sale. */
  private async trialOffer(planKey: string): Promise<{ plan: PlanWithCatalog; price: TrialPrice }> {
    const plan = await this.plans.findByKey(planKey);
    if (!plan || !plan.active) throw refused(`No plan "${planKey}" on sale; see GET /v1/plans.`);
    if (!plan.trialWithoutCard || plan.trialDays <= 0) {
      throw refused(`Plan "${plan.key}" has no trial without a card; check out instead.`);
    }
    const recurring = plan.prices.filter(
      (price): price is TrialPrice => price.active && price.interval !== 'one_time' && !!price.stripePriceId,
    );
    const price = recurring.find((candidate) => candidate.interval === 'month') ?? recurring[0];
    if (!price) throw refused(`Plan "${plan.key}" has no recurring price on sale.`);
    return { plan, price };
  }

  private async assertNotSubscribed(accountId: string): Promise<void> {
    const current = await this.entitlements.currentSubscription(accountId);
    if (current && isLive(current.status)) {
      throw new DomainError(
        'already_subscribed',
        'You have a live subscription; a trial would be a second one.',
      );
    }
  }

  private async createTrialSubscription(
    caller: AuthenticatedUser,
    accountId: string,
    plan: PlanWithCatalog,
    price: TrialPrice,
  ): Promise<string> {
    const [customer, quantity] = await Promise.all([
      this.customers.ensureCustomer(accountId),
      this.seats.quantityFor(accountId, price),
    ]);
    const params: Stripe.SubscriptionCreateParams = {
      customer,
      items: [{ price: price.stripePriceId, quantity }],
      trial_period_days: plan.trialDays,
      payment_settings: { save_default_payment_method: 'on_subscription' },
      trial_settings: { end_behavior: { missing_payment_method: 'cancel' } },
      metadata: { accountId, userId: caller.id, priceId: price.id, trial: 'without_card' },
    };
    // One trial per account and plan, ever: a retry after a lost answer gets the same subscription.
    const idempotencyKey = `tollgate-trial-${accountId}-${plan.id}`;
    const subscription = await this.stripe.call('subscriptions.create', (stripe) =>
      stripe.subscriptions.create(params, { idempotencyKey }),
    );
    return subscription.id;
  }
}

function refused(message: string): DomainError {
  return DomainError.validation([{ field: 'plan', message }]);
}
