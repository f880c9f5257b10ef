import {
  ACCOUNT_ROLES,
  AccountRole,
  canChangeRole,
  canManage,
  canRemove,
  leavesNoOwner,
  personalAccountName,
} from './account-roles';

describe('account roles', () => {
  it('lets owners and admins manage, members not', () => {
    expect(ACCOUNT_ROLES.filter(canManage)).toEqual(['owner', 'admin']);
  });

  it.each<[AccountRole, AccountRole, AccountRole, boolean]>([
    ['owner', 'member', 'admin', true],
    ['owner', 'admin', 'owner', true],
    ['owner', 'owner', 'member', true],
    ['admin', 'member', 'admin', true],
    ['admin', 'admin', 'member', true],
    ['admin', 'member', 'owner', false],
    ['admin', 'admin', 'owner', false],
    ['admin', 'owner', 'admin', false],
    ['admin', 'owner', 'owner', false],
    ['member', 'member', 'admin', false],
    ['member', 'member', 'member', false],
    ['member', 'owner', 'member', false],
  ])('a %s changing a %s to %s: %s', (actor, target, next, allowed) => {
    expect(canChangeRole(actor, target, next)).toBe(allowed);
  });

  it.each<[AccountRole, AccountRole, boolean, boolean]>([
    ['member', 'member', true, true],
    ['owner', 'owner', true, true],
    ['member', 'admin', false, false],
    ['member', 'member', false, false],
    ['admin', 'member', false, true],
    ['admin', 'admin', false, true],
    ['admin', 'owner', false, false],
    ['owner', 'owner', false, true],
    ['owner', 'admin', false, true],
  ])('a %s removing a %s (themselves: %s): %s', (actor, target, self, allowed) => {
    expect(canRemove(actor, target, self)).toBe(allowed);
  });

  it('keeps one owner: the last one can neither go nor be demoted', () => {
    expect(leavesNoOwner(['owner', 'member'], 'owner', null)).toBe(true);
    expect(leavesNoOwner(['owner', 'admin'], 'owner', 'admin')).toBe(true);
    expect(leavesNoOwner(['owner'], 'owner', 'owner')).toBe(false);
    expect(leavesNoOwner(['owner', 'owner'], 'owner', null)).toBe(false);
    expect(leavesNoOwner(['owner', 'owner', 'member'], 'owner', 'member')).toBe(false);
    expect(leavesNoOwner(['owner', 'admin'], 'admin', null)).toBe(false);
    expect(leavesNoOwner(['owner', 'member'], 'member', 'admin')).toBe(false);
  });

  it('names a personal account after the user, else the email before the @, in 100 characters', () => {
    expect(personalAccountName({ name: 'Ada Lovelace', email: 'ada@example.com' })).toBe('Ada Lovelace');
    expect(personalAccountName({ name: null, email: 'ada@example.com' })).toBe('ada');
    expect(personalAccountName({ name: '   ', email: 'ada@example.com' })).toBe('ada');
    const long = '😀'.repeat(150);
    expect(Array.from(personalAccountName({ name: long, email: 'a@b.c' }))).toHaveLength(100);
    expect(personalAccountName({ name: long, email: 'a@b.c' })).toBe('😀'.repeat(100));
  });
});
