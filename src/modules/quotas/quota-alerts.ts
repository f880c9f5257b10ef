/** The shares of a quota's limit whose first use mails the account's owners and admins, in percent. */
export const QUOTA_ALERT_PERCENTS = [80, 100] as const;

export type QuotaAlertPercent = (typeof QUOTA_ALERT_PERCENTS)[number];

/**
 * The thresholds `used` has reached that no alert went out for yet (those above `alertedPercent`, the
 * highest one alerted this period), lowest first: a jump from under 80% to the limit gives both.
 * A quota without a limit, or with a limit of 0 (nothing included to run out of), never alerts.
 */
export function quotaAlertsDue(quota: {
  used: number;
  limit: number | null;
  alertedPercent: number;
}): QuotaAlertPercent[] {
  const { used, limit, alertedPercent } = quota;
  if (limit === null || limit <= 0) return [];
  return QUOTA_ALERT_PERCENTS.filter((percent) => percent > alertedPercent && used * 100 >= limit * percent);
}

/** Whether every alert of the period has gone out: its uses need no more checking. */
export function quotaAlertsDone(alertedPercent: number): boolean {
  return alertedPercent >= QUOTA_ALERT_PERCENTS[QUOTA_ALERT_PERCENTS.length - 1]!;
}
