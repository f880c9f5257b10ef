import { leaseSize, quotaResetsAt, secondsUntil } from './quota-period';

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
