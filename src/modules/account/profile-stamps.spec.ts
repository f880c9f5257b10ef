import { MAX_REMEMBERED_CHANGES, ProfileStamps } from './profile-stamps';

describe('ProfileStamps', () => {
  const listed = [{ id: 'personal' }, { id: 'team' }];

  it('keeps what was loaded while nothing it shows changes', () => {
    const stamps = new ProfileStamps();
    const since = stamps.current;
    stamps.changed('user', 'someone-else');
    stamps.changed('holdings', 'other-account');
    stamps.changed('account', 'other-account');
    expect(stamps.unchangedSince(since, 'user', 'personal', listed)).toBe(true);
  });

  it.each([
    ['the user', 'user', 'user'],
    ['the acting account’s holdings', 'holdings', 'personal'],
    ['the acting account', 'account', 'personal'],
    ['another listed account (its name)', 'account', 'team'],
  ] as const)('makes it stale when %s changes', (_what, change, id) => {
    const stamps = new ProfileStamps();
    const since = stamps.current;
    stamps.changed(change, id);
    expect(stamps.unchangedSince(since, 'user', 'personal', listed)).toBe(false);
    // A load that begins after the change is good again.
    expect(stamps.unchangedSince(stamps.current, 'user', 'personal', listed)).toBe(true);
  });

  it('does not count a listed account’s holdings: only the acting account’s are shown', () => {
    const stamps = new ProfileStamps();
    const since = stamps.current;
    stamps.changed('holdings', 'team');
    expect(stamps.unchangedSince(since, 'user', 'personal', listed)).toBe(true);
  });

  it('makes a load stale that a change raced (the change came after the load began)', () => {
    const stamps = new ProfileStamps();
    stamps.changed('holdings', 'personal');
    const loadBegan = stamps.current;
    stamps.changed('holdings', 'personal');
    expect(stamps.unchangedSince(loadBegan, 'user', 'personal', listed)).toBe(false);
  });

  it('forgets every stamp past its bound, and everything loaded before with them', () => {
    const stamps = new ProfileStamps();
    const since = stamps.current;
    for (let account = 0; account <= MAX_REMEMBERED_CHANGES; account++)
      stamps.changed('holdings', `a${account}`);
    expect(stamps.unchangedSince(since, 'user', 'personal', listed)).toBe(false);
    const after = stamps.current;
    stamps.changed('holdings', 'a1');
    expect(stamps.unchangedSince(after, 'user', 'personal', listed)).toBe(true);
  });

  it('treats a gap in the change feed as a change to everything', () => {
    const stamps = new ProfileStamps();
    const since = stamps.current;
    stamps.everythingChanged();
    expect(stamps.unchangedSince(since, 'user', 'personal', [])).toBe(false);
  });
});
