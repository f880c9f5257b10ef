import { Module } from '@nestjs/common';

import { MailModule } from '../mail/mail.module';
import { PlansModule } from '../plans/plans.module';
import { BillingMails } from './billing-mails.service';
import { BillingRecipientsRepository } from './billing-recipients.repository';

/** Receipts, failed payments, trials ending, subscriptions ended: mailed to an account's owners and admins. */
@Module({
  imports: [MailModule, PlansModule],
  providers: [BillingMails, BillingRecipientsRepository],
  exports: [BillingMails],
})
export class BillingMailsModule {}
