import { Injectable } from '@nestjs/common';

import { Prisma } from '../../generated/prisma/client';
import { MailOutbox } from '../mail/mail-outbox.service';
import { MailTemplateParams, OutgoingMail } from '../mail/mail.types';
import { PlansService } from '../plans/plans.service';
import { BillingRecipient, BillingRecipientsRepository } from './billing-recipients.repository';

/** What a billing mail says, besides whom it greets and which account it names. */
type Content<T extends keyof MailTemplateParams> = Omit<MailTemplateParams[T], 'name' | 'accountName'>;

/** One recipient's mail: `about` and the recipient make its cause. */
type MailFor = (recipient: BillingRecipient, accountName: string) => OutgoingMail;

/**
 * The billing mails to an account's owners and admins, one each. `about` names what caused the mail
 * (an invoice, a Stripe event, a subscription): with the recipient it makes the outbox's cause, so a
 * redelivered or replayed event, on any instance, mails nobody twice.
 */
@Injectable()
export class BillingMails {
  constructor(
    private readonly outbox: MailOutbox,
    private readonly recipients: BillingRecipientsRepository,
    private readonly plans: PlansService,
  ) {}

  /** `invoiceId`: an invoice is paid once, so it gets one receipt whichever of its events says so. */
  receipt(
    accountId: string,
    invoiceId: string,
    content: Content<'billing-receipt'>,
    tx: Prisma.TransactionClient,
  ): Promise<number> {
    return this.send(accountId, tx, (recipient, accountName) => ({
      ...envelope(recipient, `billing.receipt:${invoiceId}`),
      template: 'billing-receipt',
      params: { ...content, name: recipient.name, accountName },
    }));
  }

  /** `eventId`: each failed attempt is an event of its own, and each is told. */
  paymentFailed(
    accountId: string,
    eventId: string,
    content: Content<'billing-payment-failed'>,
    tx: Prisma.TransactionClient,
  ): Promise<number> {
    return this.send(accountId, tx, (recipient, accountName) => ({
      ...envelope(recipient, `billing.payment_failed:${eventId}`),
      template: 'billing-payment-failed',
      params: { ...content, name: recipient.name, accountName },
    }));
  }

  async trialEnding(
    accountId: string,
    eventId: string,
    content: { priceId: string | null; trialEnd: string | null },
    tx: Prisma.TransactionClient,
  ): Promise<number> {
    const planName = await this.planName(content.priceId);
    return this.send(accountId, tx, (recipient, accountName) => ({
      ...envelope(recipient, `billing.trial_ending:${eventId}`),
      template: 'billing-trial-ending',
      params: { planName, trialEnd: content.trialEnd, name: recipient.name, accountName },
    }));
  }

  /** `stripeSubscriptionId`: a subscription ends once. */
  async subscriptionCanceled(
    accountId: string,
    stripeSubscriptionId: string,
    content: { priceId: string | null; endedAt: string | null },
    tx: Prisma.TransactionClient,
  ): Promise<number> {
    const planName = await this.planName(content.priceId);
    return this.send(accountId, tx, (recipient, accountName) => ({
      ...envelope(recipient, `billing.subscription_canceled:${stripeSubscriptionId}`),
      template: 'billing-subscription-canceled',
      params: { planName, endedAt: content.endedAt, name: recipient.name, accountName },
    }));
  }

  /** Writes one mail per owner and admin to the outbox in `tx`; answers how many were new. */
  private async send(accountId: string, tx: Prisma.TransactionClient, mailFor: MailFor): Promise<number> {
    const audience = await this.recipients.audienceOf(accountId, tx);
    if (!audience) return 0;
    let written = 0;
    for (const recipient of audience.recipients) {
      if (await this.outbox.enqueue(mailFor(recipient, audience.accountName), tx)) written++;
    }
    return written;
  }

  private async planName(priceId: string | null): Promise<string | null> {
    if (!priceId) return null;
    return (await this.plans.findPriceWithPlan(priceId))?.plan.name ?? null;
  }
}

function envelope(recipient: BillingRecipient, about: string) {
  return { to: recipient.email, userId: recipient.userId, cause: `${about}:${recipient.userId}` };
}
