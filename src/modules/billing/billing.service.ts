import { Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';

import { DomainError } from '../../common/errors/domain-error';
import { AppConfig } from '../../config/app-config';
import { Plan, Price } from '../../generated/prisma/client';
import { isLive } from '../entitlements/access-policy';
import { EntitlementsService, toSubscriptionSummary } from '../entitlements/entitlements.service';
import { PlansService } from '../plans/plans.service';
import { StripeGateway } from '../stripe/stripe.gateway';
import { canBill } from '../accounts/account-roles';
import type { AuthenticatedUser } from '../auth/identity';
import { UsersService } from '../users/users.service';
import { BillingStateDto, CheckoutSessionDto, PortalSessionDto, SubscriptionSummaryDto } from './billing.dto';
import { checkoutCollection } from './checkout-options';
import { CheckoutPrecautions } from './checkout-precautions.service';
import { CheckoutSessionsService } from './checkout-sessions.service';
import { CreditPackService } from './credit-pack.service';
import { CustomersService } from './customers.service';
import { SeatsService } from './seats.service';
import { SubscriptionSyncService } from './subscription-sync.service';
import { SubscriptionsRepository } from './subscriptions.repository';

@Injectable()
export class BillingService {
  constructor(
    private readonly config: AppConfig,
    private readonly stripe: StripeGateway,
    private readonly customers: CustomersService,
    private readonly plans: PlansService,
    private readonly entitlements: EntitlementsService,
    private readonly subscriptionSync: SubscriptionSyncService,
    private readonly creditPacks: CreditPackService,
    private readonly checkoutSessions: CheckoutSessionsService,
    private readonly subscriptions: SubscriptionsRepository,
    private readonly users: UsersService,
    private readonly seats: SeatsService,
    private readonly precautions: CheckoutPrecautions,
  ) {}

  async checkout(
    caller: AuthenticatedUser,
    priceId: string,
    idempotencyKey?: string,
  ): Promise<CheckoutSessionDto> {
    const accountId = billingAccountOf(caller);
    await this.users.assertVerifiedWhenRequired(caller.id);
    const price = await this.sellablePrice(priceId);
    const recurring = price.interval !== 'one_time';
    if (recurring) await this.precautions.clearWayForSubscription(accountId);
    const [customer, quantity, overagePriceIds] = await Promise.all([
      this.customers.ensureCustomer(accountId),
      this.seats.quantityFor(accountId, price),
      recurring ? this.plans.overagePriceIds(price.planId) : [],
    ]);
    // Who started it, for the record; the account is who pays (and whom the session is for).
    const metadata = { accountId, userId: caller.id, priceId: price.id };
    const params: Stripe.Checkout.SessionCreateParams = {
      mode: recurring ? 'subscription' : 'payment',
      customer,
      client_reference_id: accountId,
      metadata,
      // Metered prices bill what the meter counts: Stripe wants them without a quantity.
      line_items: [
        { price: price.stripePriceId!, quantity },
        ...overagePriceIds.map((overagePriceId) => ({ price: overagePriceId })),
      ],
      success_url: `${this.appUrl}/billing/success?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${this.appUrl}/billing/cancel`,
      ...checkoutCollection({
        promotionCodes: this.config.env.CHECKOUT_PROMOTION_CODES,
        automaticTax: this.config.env.STRIPE_AUTOMATIC_TAX,
      }),
      ...(recurring
        ? {
            subscription_data: {
              metadata,
              ...(price.plan.trialDays > 0 ? { trial_period_days: price.plan.trialDays } : {}),
            },
          }
        : { payment_intent_data: { metadata } }),
    };
    const key = `tollgate-checkout-${accountId}-${idempotencyKey ?? randomUUID()}`;
    const session = await this.stripe.call('checkout.sessions.create', (stripe) =>
      stripe.checkout.sessions.create(params, { idempotencyKey: key }),
    );
    if (recurring) await this.precautions.expireEarlierSessions(customer, session);
    return { id: session.id, url: session.url ?? '' };
  }

  /** What the success page calls: the session's outcome now, without waiting for the webhook. */
  async syncCheckout(accountId: string, sessionId: string): Promise<BillingStateDto> {
    if (!/^cs_[A-Za-z0-9_]{1,250}$/.test(sessionId))
      throw new DomainError('not_found', 'No such checkout session.');
    const session = await this.checkoutSessions.retrieve(sessionId);
    if (!session || (await this.checkoutSessions.owner(session)) !== accountId) {
      throw new DomainError('not_found', 'No such checkout session.');
    }
    const cause = `checkout-sync:${session.id}`;
    if (session.subscription) {
      const subscriptionId =
        typeof session.subscription === 'string' ? session.subscription : session.subscription.id;
      await this.subscriptionSync.syncById(subscriptionId, cause);
    }
    await this.creditPacks.creditPaidSession(session, cause, accountId);
    return this.state(accountId);
  }

  async portal(caller: AuthenticatedUser): Promise<PortalSessionDto> {
    const accountId = billingAccountOf(caller);
    const customer = await this.customers.existingCustomer(accountId);
    const session = await this.stripe.call('billingPortal.sessions.create', (stripe) =>
      stripe.billingPortal.sessions.create({ customer, return_url: `${this.appUrl}/account` }),
    );
    return { url: session.url };
  }

  async subscription(accountId: string): Promise<SubscriptionSummaryDto> {
    const subscription = await this.entitlements.currentSubscription(accountId);
    if (!subscription) throw new DomainError('no_subscription');
    return toSubscriptionSummary(subscription);
  }

  /** Every subscription the account has had, newest first, as Stripe last told us (for their data export). */
  async history(accountId: string): Promise<(SubscriptionSummaryDto & { stripeSubscriptionId: string })[]> {
    const subscriptions = await this.subscriptions.historyOf(accountId);
    return subscriptions.map((subscription) => ({
      stripeSubscriptionId: subscription.stripeSubscriptionId,
      ...toSubscriptionSummary(subscription),
    }));
  }

  /**
   * Cancels at once, in Stripe, every live subscription of the account (it or its user is being deleted).
   * A subscription Stripe has ended already is only brought up to date. Throws (503) when Stripe cannot
   * be reached, so that nothing else of the deletion happens before the billing has stopped.
   */
  async cancelAllNow(accountId: string, cause: string): Promise<number> {
    const live = (await this.subscriptions.listForAccount(accountId)).filter((subscription) =>
      isLive(subscription.status),
    );
    for (const { stripeSubscriptionId: id } of live) {
      try {
        await this.stripe.call('subscriptions.cancel', (stripe) =>
          stripe.subscriptions.cancel(id, {}, { idempotencyKey: `tollgate-cancel-now-${id}` }),
        );
      } catch (error) {
        // Already canceled in Stripe (our copy was behind): the sync below says so; anything else stops.
        if (!(error instanceof DomainError && error.code === 'stripe_rejected')) throw error;
      }
      const synced = await this.subscriptionSync.syncById(id, cause);
      if (synced && isLive(synced.status)) {
        throw new DomainError('stripe_unavailable', `Stripe did not cancel subscription ${id}; try again.`);
      }
    }
    return live.length;
  }

  async state(accountId: string): Promise<BillingStateDto> {
    const [subscription, balance] = await Promise.all([
      this.entitlements.currentSubscription(accountId),
      this.entitlements.creditBalance(accountId),
    ]);
    return { subscription: subscription ? toSubscriptionSummary(subscription) : null, credits: { balance } };
  }

  private async sellablePrice(priceId: string): Promise<Price & { plan: Plan }> {
    const price = isUUID(priceId) ? await this.plans.findPriceWithPlan(priceId) : null;
    if (!price || !price.active || !price.plan.active || !price.stripePriceId) {
      throw new DomainError('not_found', 'No such price on sale; see GET /v1/plans.');
    }
    return price;
  }

  private get appUrl(): string {
    return this.config.env.APP_URL.replace(/\/$/, '');
  }
}

/** The account a billing action spends for: only its owners and admins may (403 `billing_role_required`). */
export function billingAccountOf(caller: AuthenticatedUser): string {
  if (!canBill(caller.account.role)) throw new DomainError('billing_role_required');
  return caller.account.id;
}
