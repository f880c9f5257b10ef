import { accountSubscription, isEstablished } from './account-subscription';

const sub = (id: string, status: string) => ({ id, status });

describe("the account's subscription", () => {
  it('is the oldest established one while a duplicate exists', () => {
    expect(accountSubscription([sub('duplicate', 'active'), sub('first', 'active')])?.id).toBe('first');
    expect(accountSubscription([sub('new', 'active'), sub('old', 'past_due')])?.id).toBe('old');
  });

  it('is an established one before a newer first payment still being confirmed', () => {
    expect(accountSubscription([sub('pending', 'incomplete'), sub('paid', 'active')])?.id).toBe('paid');
    expect(accountSubscription([sub('paid', 'active'), sub('stale', 'incomplete')])?.id).toBe('paid');
  });

  it('is the newest live one, else the newest, else none', () => {
    expect(accountSubscription([sub('pending', 'incomplete'), sub('old', 'canceled')])?.id).toBe('pending');
    expect(accountSubscription([sub('last', 'canceled'), sub('before', 'incomplete_expired')])?.id).toBe(
      'last',
    );
    expect(accountSubscription([])).toBeNull();
  });

  it.each([
    ['active', true],
    ['trialing', true],
    ['past_due', true],
    ['unpaid', true],
    ['paused', true],
    ['incomplete', false],
    ['incomplete_expired', false],
    ['canceled', false],
  ])('%s is established: %s', (status, expected) => {
    expect(isEstablished(status)).toBe(expected);
  });
});
