import { Injectable } from '@nestjs/common';

import { Prisma } from '../../generated/prisma/client';
import { QuotaKey } from './quota-leases.repository';

/** A quota's use by all instances as a transaction sees it, and the highest threshold alerted so far. */
export interface QuotaAlertState extends QuotaKey {
  used: number;
  alertedPercent: number;
}

/** `quota_alerts`: per quota and period, the highest usage threshold its owners and admins were mailed. */
@Injectable()
export class QuotaAlertsRepository {
  /**
   * Locks each quota's alert row until `tx` ends, creating it at the quota's first use in the period.
   * Rows are taken in one order, so that concurrent writers of several quotas queue instead of deadlocking.
   * A writer that waited here reads, in its next statement, what the writer before it committed.
   */
  async lock(keys: QuotaKey[], tx: Prisma.TransactionClient): Promise<void> {
    await tx.$executeRaw`
      INSERT INTO quota_alerts AS a (account_id, feature, period_end)
      SELECT k.account_id, k.feature, k.period_end
        FROM UNNEST(${keys.map((key) => key.accountId)}::uuid[], ${keys.map((key) => key.feature)}::text[],
                    ${keys.map((key) => key.periodEnd)}::timestamptz[]) AS k(account_id, feature, period_end)
       ORDER BY k.account_id, k.feature, k.period_end
      ON CONFLICT (account_id, feature, period_end) DO UPDATE SET updated_at = a.updated_at WHERE false`;
  }

  /** Each quota's use (every instance's rows: committed ones and this transaction's) and threshold alerted. */
  states(keys: QuotaKey[], tx: Prisma.TransactionClient): Promise<QuotaAlertState[]> {
    return tx.$queryRaw<QuotaAlertState[]>`
      SELECT a.account_id AS "accountId", a.feature, a.period_end AS "periodEnd",
             a.alerted_percent::int AS "alertedPercent",
             (SELECT COALESCE(SUM(q.used), 0) FROM quota_leases q
               WHERE q.account_id = a.account_id AND q.feature = a.feature AND q.period_end = a.period_end)::int AS used
        FROM UNNEST(${keys.map((key) => key.accountId)}::uuid[], ${keys.map((key) => key.feature)}::text[],
                    ${keys.map((key) => key.periodEnd)}::timestamptz[]) AS k(account_id, feature, period_end)
        JOIN quota_alerts a ON a.account_id = k.account_id AND a.feature = k.feature AND a.period_end = k.period_end`;
  }

  /** Records the threshold each quota's alerts went out for (call with the rows locked). */
  async markAlerted(
    alerts: (QuotaKey & { alertedPercent: number })[],
    tx: Prisma.TransactionClient,
  ): Promise<void> {
    await tx.$executeRaw`
      UPDATE quota_alerts a SET alerted_percent = k.alerted_percent, updated_at = now()
        FROM UNNEST(${alerts.map((alert) => alert.accountId)}::uuid[], ${alerts.map((alert) => alert.feature)}::text[],
                    ${alerts.map((alert) => alert.periodEnd)}::timestamptz[],
                    ${alerts.map((alert) => alert.alertedPercent)}::int[]) AS k(account_id, feature, period_end, alerted_percent)
       WHERE a.account_id = k.account_id AND a.feature = k.feature AND a.period_end = k.period_end`;
  }
}
