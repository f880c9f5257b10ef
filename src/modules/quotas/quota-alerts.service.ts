import { Injectable } from '@nestjs/common';

import { Prisma } from '../../generated/prisma/client';
import { UserAccountsService } from '../accounts/user-accounts.service';
import { MailOutbox } from '../mail/mail-outbox.service';
import { quotaAlertsDone, quotaAlertsDue } from './quota-alerts';
import { QuotaAlertsRepository } from './quota-alerts.repository';
import { QuotaKey } from './quota-leases.repository';

/** A quota whose uses were just written, with what they were counted against. */
export interface AlertableQuota extends QuotaKey {
  limit: number;
  /** Uses past the limit are billed as overage (the 100% mail says so) instead of refused. */
  overage: boolean;
}

/**
 * Usage alerts: mails the account's owners and admins at the first use at or past 80% and at or past
 * 100% of a quota's limit in a period, one mail each, across instances, retries and crashes.
 */
@Injectable()
export class QuotaAlerts {
  constructor(
    private readonly alerts: QuotaAlertsRepository,
    private readonly accounts: UserAccountsService,
    private readonly mail: MailOutbox,
  ) {}

  /**
   * In the transaction that wrote uses of these quotas (a flush or a lease), after the write: records
   * the thresholds their use has crossed and writes the mails to the outbox, so that uses, alert and
   * mails commit together. Answers the quotas that have nothing left to alert this period.
   */
  async afterUses(quotas: AlertableQuota[], tx: Prisma.TransactionClient): Promise<QuotaKey[]> {
    if (quotas.length === 0) return [];
    // The lock makes concurrent writers of one quota (other instances' flushes) take turns: whichever
    // commits last sees the others' uses, so a threshold crossed between them is seen by one of them.
    await this.alerts.lock(quotas, tx);
    const states = new Map((await this.alerts.states(quotas, tx)).map((state) => [keyOf(state), state]));
    const crossed: { quota: AlertableQuota; used: number; percents: number[] }[] = [];
    const done: QuotaKey[] = [];
    for (const quota of quotas) {
      const state = states.get(keyOf(quota));
      if (!state) continue;
      const percents = quotaAlertsDue({
        used: state.used,
        limit: quota.limit,
        alertedPercent: state.alertedPercent,
      });
      if (percents.length > 0) crossed.push({ quota, used: state.used, percents });
      if (quotaAlertsDone(percents.at(-1) ?? state.alertedPercent)) done.push(quota);
    }
    if (crossed.length > 0) await this.send(crossed, tx);
    return done;
  }

  private async send(
    crossed: { quota: AlertableQuota; used: number; percents: number[] }[],
    tx: Prisma.TransactionClient,
  ): Promise<void> {
    await this.alerts.markAlerted(
      crossed.map(({ quota, percents }) => ({ ...keyFields(quota), alertedPercent: percents.at(-1)! })),
      tx,
    );
    const contacts = await this.accounts.billingContactsOf(
      [...new Set(crossed.map(({ quota }) => quota.accountId))],
      tx,
    );
    for (const { quota, used, percents } of crossed) {
      const periodEnd = quota.periodEnd.toISOString();
      for (const percent of percents) {
        for (const contact of contacts.filter((candidate) => candidate.accountId === quota.accountId)) {
          await this.mail.enqueue(
            {
              template: 'quota-alert',
              to: contact.email,
              userId: contact.userId,
              cause: `quota-alert:${quota.accountId}:${quota.feature}:${periodEnd}:${percent}:${contact.userId}`,
              params: {
                name: contact.name,
                accountName: contact.accountName,
                feature: quota.feature,
                used,
                limit: quota.limit,
                percent,
                resetsAt: periodEnd,
                overage: quota.overage,
              },
            },
            tx,
          );
        }
      }
    }
  }
}

function keyOf(key: QuotaKey): string {
  return `${key.accountId} ${key.feature} ${key.periodEnd.getTime()}`;
}

function keyFields(key: QuotaKey): QuotaKey {
  return { accountId: key.accountId, feature: key.feature, periodEnd: key.periodEnd };
}
