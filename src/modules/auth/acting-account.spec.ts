import { DomainError } from '../../common/errors/domain-error';
import { actingAccounts, SessionCaller } from './acting-account';

const PERSONAL = '0b0e4a52-5a7c-4f34-9a39-5d1a6a3e0f01';
const TEAM = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

function caller(
  memberships = [
    { accountId: PERSONAL, role: 'owner' as const, personal: true },
    { accountId: TEAM, role: 'member' as const, personal: false },
  ],
) {
  return new SessionCaller(
    { id: 'user-1', email: 'ada@example.com', role: 'user', sessionId: 'session-1' },
    actingAccounts(memberships),
  );
}

function notFound(act: () => unknown): string | undefined {
  try {
    act();
  } catch (error) {
    return error instanceof DomainError ? error.code : 'not a DomainError';
  }
  return undefined;
}

describe('the account a request acts for', () => {
  it('is the personal account without X-Account-Id', () => {
    expect(caller().actingFor(undefined)).toEqual({
      id: 'user-1',
      email: 'ada@example.com',
      role: 'user',
      sessionId: 'session-1',
      account: { id: PERSONAL, role: 'owner', personal: true },
    });
  });

  it('is the named account, in any case, with the role held there', () => {
    const session = caller();
    const team = session.actingFor(TEAM);
    expect(team.account).toEqual({ id: TEAM, role: 'member', personal: false });
    expect(session.actingFor(TEAM.toUpperCase())).toBe(team);
    expect(session.actingFor(PERSONAL)).toBe(session.actingFor(undefined));
  });

  it('reuses one object per account, so a request allocates nothing', () => {
    const session = caller();
    expect(session.actingFor(undefined)).toBe(session.actingFor(undefined));
    expect(session.actingFor(TEAM)).toBe(session.actingFor(TEAM));
  });

  it('answers 404 account_not_found for an account not among the caller’s, malformed or repeated headers', () => {
    const session = caller();
    for (const header of ['5f8d3c1e-0000-4000-8000-000000000000', 'not-a-uuid', '', [TEAM, TEAM]]) {
      expect(notFound(() => session.actingFor(header))).toBe('account_not_found');
    }
  });

  it('has no account to act for by default when the user has no personal account', () => {
    const session = caller([{ accountId: TEAM, role: 'owner', personal: false }]);
    expect(notFound(() => session.actingFor(undefined))).toBe('account_not_found');
    expect(session.actingFor(TEAM).account.role).toBe('owner');
  });
});
