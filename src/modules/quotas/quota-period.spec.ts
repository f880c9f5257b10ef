import type { Entitlements } from '../entitlements/entitlement.types';
import { leaseRate, leaseSize, quotaResetsAt, quotasOfPeriod, secondsUntil } from './quota-period';

describe('quotaResetsAt', () => {
  const now = new Date('2026-11-30T23:59:59.500Z');

  it('resets a day quota at the next UTC midnight', () => {
    expect(quotaResetsAt('day', now, null).toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(quotaResetsAt('day', new Date('2026-12-01T00:00:00.000Z'), null).toISOString()).toBe(
      '2026-12-02T00:00:00.000Z',
    );
  });

  it('resets a month quota on the first of the next UTC month, across the year', () => {
    expect(quotaResetsAt('month', new Date('2026-12-15T10:00:00Z'), null).toISOString()).toBe(
      '2027-01-01T00:00:00.000Z',
    );
  });

  it('resets a billing-period quota at the subscription period end, else at the month end', () => {
    const end = new Date('2026-12-07T12:00:00Z');
    expect(quotaResetsAt('billing_period', now, end)).toEqual(end);
    expect(quotaResetsAt('billing_period', now, new Date('2026-11-01T00:00:00Z')).toISOString()).toBe(
      '2026-12-01T00:00:00.000Z',
    );
    expect(quotaResetsAt('billing_period', now, null).toISOString()).toBe('2026-12-01T00:00:00.000Z');
  });

  it('says at least one second of Retry-After', () => {
    expect(secondsUntil(new Date('2026-12-01T00:00:00Z'), now)).toBe(1);
    expect(secondsUntil(new Date('2026-12-01T01:00:00Z'), new Date('2026-12-01T00:00:00Z'))).toBe(3600);
  });
});

describe('leaseSize', () => {
  it('never leases past what is left, and nothing when the request does not fit', () => {
    expect(leaseSize({ want: 1, remaining: 0, liveInstances: 1, usesPerSecond: 0 })).toBe(0);
    expect(leaseSize({ want: 3, remaining: 2, liveInstances: 1, usesPerSecond: 0 })).toBe(0);
    expect(leaseSize({ want: 1, remaining: 1, liveInstances: 4, usesPerSecond: 1000 })).toBe(1);
  });

  it('takes a share of half of what is left among the live instances', () => {
    expect(leaseSize({ want: 1, remaining: 20, liveInstances: 1, usesPerSecond: 0 })).toBe(10);
    expect(leaseSize({ want: 1, remaining: 20, liveInstances: 2, usesPerSecond: 0 })).toBe(5);
  });

  it('sizes a lease for two seconds of the recent rate when far from the limit', () => {
    expect(leaseSize({ want: 1, remaining: 1_000_000, liveInstances: 2, usesPerSecond: 5000 })).toBe(10_000);
    expect(leaseSize({ want: 1, remaining: 1_000_000, liveInstances: 2, usesPerSecond: 0 })).toBe(10);
  });
});

describe('quotasOfPeriod', () => {
  it('lists the features with a period, by name, each with the end of its current period', () => {
    const now = new Date('2026-11-30T12:00:00Z');
    const entitlements = {
      subscription: { currentPeriodEnd: '2026-12-10T00:00:00.000Z' },
      features: new Map([
        ['projects', { limit: 3, source: 'default', period: null }],
        ['reports_runs', { limit: 5, source: 'plan', period: 'billing_period' }],
        ['analyses', { limit: 20, source: 'default', period: 'day' }],
      ]),
    } as unknown as Entitlements;
    expect(
      quotasOfPeriod(entitlements, now).map(({ feature, periodEnd }) => [feature, periodEnd.toISOString()]),
    ).toEqual([
      ['analyses', '2026-12-01T00:00:00.000Z'],
      ['reports_runs', '2026-12-10T00:00:00.000Z'],
    ]);
  });
});

describe('leaseRate', () => {
  it('reads the rate since the last lease when it is above the average', () => {
    expect(leaseRate({ averagePerSecond: 0, usesSinceLease: 200, msSinceLease: 200 })).toBe(1000);
    expect(leaseRate({ averagePerSecond: 300, usesSinceLease: 1, msSinceLease: 60_000 })).toBe(300);
  });

  it('reads a few uses within a moment over 100 ms, not as thousands a second', () => {
    expect(leaseRate({ averagePerSecond: 0, usesSinceLease: 5, msSinceLease: 1 })).toBe(50);
    expect(leaseRate({ averagePerSecond: 0, usesSinceLease: 0, msSinceLease: 0 })).toBe(0);
  });

  it('grows a cold quota’s lease tenfold or more per round trip at 1,000 uses a second', () => {
    const sizes: number[] = [];
    let lease = 10;
    for (let round = 0; round < 3; round++) {
      // The lease is used up at 1,000 a second, then the next one is sized.
      const usesPerSecond = leaseRate({ averagePerSecond: 0, usesSinceLease: lease, msSinceLease: lease });
      lease = leaseSize({ want: 1, remaining: 1_000_000, liveInstances: 1, usesPerSecond });
      sizes.push(lease);
    }
    expect(sizes).toEqual([200, 2000, 2000]);
  });
});
