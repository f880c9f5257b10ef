import { hashRefreshToken, issueRefreshToken, parseRefreshToken } from './refresh-token';

const sessionId = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

describe('refresh tokens', () => {
  it('name their session and counter', () => {
    const token = issueRefreshToken({ sessionId, counter: 41 });
    expect(parseRefreshToken(token)).toEqual({ sessionId, counter: 41 });
  });

  it('differ each time they are issued, even for the same place in the rotation', () => {
    const first = issueRefreshToken({ sessionId, counter: 0 });
    const second = issueRefreshToken({ sessionId, counter: 0 });
    expect(first).not.toBe(second);
    expect(hashRefreshToken(first)).not.toBe(hashRefreshToken(second));
  });

  it.each([
    '',
    'rt_',
    'not-a-token',
    `${issueRefreshToken({ sessionId, counter: 1 })}x`,
    issueRefreshToken({ sessionId, counter: 1 }).replace('rt_', 'xx_'),
    issueRefreshToken({ sessionId, counter: 1 }).replace('.1.', '.-1.'),
    issueRefreshToken({ sessionId, counter: 1 }).replace('.1.', '.1234567890.'),
    'rt_AAAAAAAAAAAAAAAAAAAAAA.1.' + 'a'.repeat(42),
  ])('refuse %j', (token) => {
    expect(parseRefreshToken(token)).toBeNull();
  });

  it('hash to 64 hex characters', () => {
    expect(hashRefreshToken('rt_x')).toMatch(/^[0-9a-f]{64}$/);
  });
});
