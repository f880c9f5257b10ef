import { Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';

import { DomainError } from '../../common/errors/domain-error';
import { AuditLog } from '../audit/audit-log.service';
import { ChangeFeed } from '../change-feed/change-feed.service';
import { EntitlementsService } from '../entitlements/entitlements.service';
import { MailOutbox } from '../mail/mail-outbox.service';
import { StripeGateway } from '../stripe/stripe.gateway';
import { splitDuplicates } from './duplicate-subscriptions';
import { DUPLICATE_CANCELED, DuplicateSubscriptionsRepository } from './duplicate-subscriptions.repository';
import { formatMoney } from './money';
import { SubscriptionsRepository } from './subscriptions.repository';

interface Refunded {
  paymentIntent: string;
  amount: number;
  currency: string;
}

/**
 * Two Checkout Sessions of one account can both be paid (the second checkout started before the first
 * one's webhooks arrived). Stripe then bills two subscriptions; the first one created is kept, and every
 * later one is refunded, recorded (billing event, audit, a mail to the owners) and canceled at once.
 *
 * In that order, so that a failure part way is finished by the next sync of either subscription (the
 * webhook retry, reconciliation's re-sync): until its cancellation the duplicate is still live in
 * Stripe and found again. Each step may run any number of times, on any instance: a refund skips what
 * is refunded already and carries an idempotency key, the record is written once per subscription
 * under the account's lock (the mail's cause is unique too), a canceled subscription stays canceled.
 */
@Injectable()
export class DuplicateSubscriptionsService {
  private readonly logger = new Logger(DuplicateSubscriptionsService.name);

  constructor(
    private readonly stripe: StripeGateway,
    private readonly duplicates: DuplicateSubscriptionsRepository,
    private readonly subscriptions: SubscriptionsRepository,
    private readonly entitlements: EntitlementsService,
    private readonly audit: AuditLog,
    private readonly mail: MailOutbox,
    private readonly changes: ChangeFeed,
  ) {}

  /** Settles the customer's duplicates as Stripe has them now: the subscription kept, if any. */
  async settle(accountId: string, stripeCustomerId: string, cause: string): Promise<string | null> {
    const listed = await this.stripe.call('subscriptions.list', async (stripe) => {
      const all: Stripe.Subscription[] = [];
      for await (const subscription of stripe.subscriptions.list({
        customer: stripeCustomerId,
        limit: 100,
      })) {
        all.push(subscription);
      }
      return all;
    });
    const { kept, duplicates } = splitDuplicates(listed);
    if (!kept) return null;
    for (const duplicate of duplicates) {
      this.logger.warn({
        msg: 'a second subscription for one account: refunding and canceling it',
        accountId,
        subscription: duplicate.id,
        kept: kept.id,
      });
      const refunds = await this.refundPayments(accountId, duplicate.id, kept.id);
      await this.record(accountId, duplicate.id, kept.id, refunds, cause);
      await this.cancel(duplicate.id, kept.id);
    }
    return kept.id;
  }

  /** Refunds what each paid invoice of the subscription collected and is not refunded yet. */
  private async refundPayments(
    accountId: string,
    subscriptionId: string,
    keptId: string,
  ): Promise<Refunded[]> {
    const paymentIntents = await this.stripe.call('invoices.list', async (stripe) => {
      const ids: string[] = [];
      const invoices = stripe.invoices.list({
        subscription: subscriptionId,
        status: 'paid',
        limit: 100,
        expand: ['data.payments'],
      });
      for await (const invoice of invoices) {
        for (const { status, payment } of invoice.payments?.data ?? []) {
          const id =
            typeof payment.payment_intent === 'string' ? payment.payment_intent : payment.payment_intent?.id;
          if (status === 'paid' && id) ids.push(id);
        }
      }
      return ids;
    });
    const refunds: Refunded[] = [];
    for (const paymentIntent of paymentIntents) {
      const refunded = await this.refund(paymentIntent, {
        accountId,
        subscription: subscriptionId,
        kept: keptId,
      });
      if (refunded) refunds.push(refunded);
    }
    return refunds;
  }

  private async refund(paymentIntentId: string, metadata: Record<string, string>): Promise<Refunded | null> {
    const paymentIntent = await this.stripe.call('paymentIntents.retrieve', (stripe) =>
      stripe.paymentIntents.retrieve(paymentIntentId, { expand: ['latest_charge'] }),
    );
    const charge = paymentIntent.latest_charge;
    if (!charge || typeof charge === 'string' || charge.status !== 'succeeded') return null;
    const refundable = charge.amount_captured - charge.amount_refunded;
    if (refundable > 0) {
      try {
        await this.stripe.call('refunds.create', (stripe) =>
          stripe.refunds.create(
            { payment_intent: paymentIntentId, reason: 'duplicate', metadata },
            { idempotencyKey: `tollgate-duplicate-refund-${paymentIntentId}` },
          ),
        );
      } catch (error) {
        // Refunded meanwhile (another instance, a key older than Stripe keeps): nothing left to do.
        if (!(error instanceof DomainError && error.extensions.stripeCode === 'charge_already_refunded'))
          throw error;
      }
    }
    return { paymentIntent: paymentIntentId, amount: charge.amount_captured, currency: charge.currency };
  }

  private async record(
    accountId: string,
    subscriptionId: string,
    keptId: string,
    refunds: Refunded[],
    cause: string,
  ): Promise<void> {
    const amount = refunds.reduce((sum, refund) => sum + refund.amount, 0);
    const currency = refunds[0]?.currency ?? null;
    const canceledAt = new Date().toISOString();
    await this.changes.transaction(async (tx) => {
      await this.subscriptions.lockAccount(accountId, tx);
      if (await this.duplicates.wasRecorded(accountId, subscriptionId, tx)) return;
      const details = {
        stripeSubscriptionId: subscriptionId,
        keptSubscriptionId: keptId,
        refunded: currency ? { amount, currency } : null,
        paymentIntents: refunds.map((refund) => refund.paymentIntent),
      };
      await this.entitlements.recordChange(accountId, DUPLICATE_CANCELED, cause, details, tx);
      const { accountName, owners } = await this.duplicates.ownersOf(accountId, tx);
      await this.audit.record(
        'duplicate_subscription_canceled',
        {
          // Whom it concerns: the account's first owner, Stripe's billing contact.
          subjectId: owners[0]?.id ?? null,
          details: {
            accountId,
            stripeSubscriptionId: subscriptionId,
            keptSubscriptionId: keptId,
            refundedAmount: amount,
            currency,
          },
        },
        tx,
      );
      for (const owner of owners) {
        await this.mail.enqueue(
          {
            template: 'duplicate-subscription-refunded',
            to: owner.email,
            userId: owner.id,
            cause: `${DUPLICATE_CANCELED}:${subscriptionId}:${owner.id}`,
            params: {
              name: owner.name,
              accountName,
              refunded: currency && amount > 0 ? formatMoney(amount, currency) : null,
              canceledAt,
            },
          },
          tx,
        );
      }
    });
  }

  private async cancel(subscriptionId: string, keptId: string): Promise<void> {
    try {
      await this.stripe.call('subscriptions.cancel', (stripe) =>
        stripe.subscriptions.cancel(
          subscriptionId,
          {
            invoice_now: false,
            prorate: false,
            cancellation_details: { comment: `A duplicate of ${keptId}; its payments were refunded.` },
          },
          { idempotencyKey: `tollgate-duplicate-cancel-${subscriptionId}` },
        ),
      );
    } catch (error) {
      // Canceled already (by another instance, a key older than Stripe keeps): the sync says so.
      if (!(error instanceof DomainError && error.code === 'stripe_rejected')) throw error;
      this.logger.warn({
        msg: 'Stripe refused to cancel a duplicate subscription',
        subscription: subscriptionId,
      });
    }
  }
}
