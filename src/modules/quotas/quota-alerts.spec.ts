import { quotaAlertsDone, quotaAlertsDue } from './quota-alerts';

describe('quotaAlertsDue', () => {
  it('alerts at the first use at or past 80% of the limit, then at or past 100%', () => {
    expect(quotaAlertsDue({ used: 15, limit: 20, alertedPercent: 0 })).toEqual([]);
    expect(quotaAlertsDue({ used: 16, limit: 20, alertedPercent: 0 })).toEqual([80]);
    expect(quotaAlertsDue({ used: 19, limit: 20, alertedPercent: 80 })).toEqual([]);
    expect(quotaAlertsDue({ used: 20, limit: 20, alertedPercent: 80 })).toEqual([100]);
    expect(quotaAlertsDue({ used: 25, limit: 20, alertedPercent: 100 })).toEqual([]);
  });

  it('gives both when one write jumps past both thresholds', () => {
    expect(quotaAlertsDue({ used: 20, limit: 20, alertedPercent: 0 })).toEqual([80, 100]);
    expect(quotaAlertsDue({ used: 2, limit: 2, alertedPercent: 0 })).toEqual([80, 100]);
    // With overage, uses past the limit are counted: the first write past it still alerts.
    expect(quotaAlertsDue({ used: 1_500, limit: 1_000, alertedPercent: 0 })).toEqual([80, 100]);
  });

  it('compares exactly, without rounding: 80% of 7 is 5.6, so 6 uses', () => {
    expect(quotaAlertsDue({ used: 5, limit: 7, alertedPercent: 0 })).toEqual([]);
    expect(quotaAlertsDue({ used: 6, limit: 7, alertedPercent: 0 })).toEqual([80]);
    expect(quotaAlertsDue({ used: 7_999_999, limit: 10_000_000, alertedPercent: 0 })).toEqual([]);
    expect(quotaAlertsDue({ used: 8_000_000, limit: 10_000_000, alertedPercent: 0 })).toEqual([80]);
    expect(quotaAlertsDue({ used: 2_000_000_000, limit: 2_000_000_000, alertedPercent: 80 })).toEqual([100]);
  });

  it('never alerts an unlimited quota, nor a limit of 0', () => {
    expect(quotaAlertsDue({ used: 1_000_000, limit: null, alertedPercent: 0 })).toEqual([]);
    expect(quotaAlertsDue({ used: 5, limit: 0, alertedPercent: 0 })).toEqual([]);
  });
});

describe('quotaAlertsDone', () => {
  it('is done once the 100% alert went out', () => {
    expect(quotaAlertsDone(0)).toBe(false);
    expect(quotaAlertsDone(80)).toBe(false);
    expect(quotaAlertsDone(100)).toBe(true);
  });
});
