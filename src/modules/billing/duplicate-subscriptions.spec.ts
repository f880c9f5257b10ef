import { splitDuplicates } from './duplicate-subscriptions';

const sub = (id: string, status: string, created: number) => ({ id, status, created });

describe('duplicate subscriptions', () => {
  it('keeps the oldest established subscription and names every other one a duplicate', () => {
    const listed = [sub('c', 'trialing', 300), sub('b', 'past_due', 200), sub('a', 'active', 100)];
    expect(splitDuplicates(listed)).toEqual({ kept: listed[2], duplicates: [listed[1], listed[0]] });
  });

  it('orders subscriptions created within one second as Stripe lists them (newest first)', () => {
    const listed = [sub('second', 'active', 100), sub('first', 'active', 100)];
    expect(splitDuplicates(listed).kept?.id).toBe('first');
    expect(splitDuplicates(listed).duplicates.map((subscription) => subscription.id)).toEqual(['second']);
  });

  it('finds no duplicate beside incomplete or ended subscriptions', () => {
    const listed = [
      sub('new', 'incomplete', 300),
      sub('kept', 'active', 200),
      sub('old', 'canceled', 100),
      sub('older', 'incomplete_expired', 50),
    ];
    expect(splitDuplicates(listed)).toEqual({ kept: listed[1], duplicates: [] });
    expect(splitDuplicates([])).toEqual({ kept: null, duplicates: [] });
  });
});
