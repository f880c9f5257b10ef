import type { RecurringInterval } from './types';

export const SECONDS_PER_DAY = 86_400;

export function nowInSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** The double's time: the wall clock, moved forward by `advance()` (e.g. to age events past a window). */
export class StripeClock {
  private offsetSeconds = 0;

  now(): number {
    return nowInSeconds() + this.offsetSeconds;
  }

  advance(seconds: number): void {
    this.offsetSeconds += seconds;
  }

  reset(): void {
    this.offsetSeconds = 0;
  }
}

/**
 * Adds billing intervals the way Stripe anchors them: calendar months and years keep the day of
 * month, clamped to the last day of shorter months (Jan 31 + 1 month = Feb 28/29).
 */
export function addInterval(timestamp: number, interval: RecurringInterval, count = 1): number {
  if (interval === 'day') return timestamp + count * SECONDS_PER_DAY;
  if (interval === 'week') return timestamp + count * 7 * SECONDS_PER_DAY;
  const start = new Date(timestamp * 1000);
  const months = interval === 'month' ? count : count * 12;
  const targetMonthStart = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + months, 1));
  const daysInTargetMonth = new Date(
    Date.UTC(targetMonthStart.getUTCFullYear(), targetMonthStart.getUTCMonth() + 1, 0),
  ).getUTCDate();
  const target = Date.UTC(
    targetMonthStart.getUTCFullYear(),
    targetMonthStart.getUTCMonth(),
    Math.min(start.getUTCDate(), daysInTargetMonth),
    start.getUTCHours(),
    start.getUTCMinutes(),
    start.getUTCSeconds(),
  );
  return Math.floor(target / 1000);
}
