import { decodeUserSearchCursor, encodeUserSearchCursor, escapeLikePattern } from './user-search-cursor';

describe('user search cursors', () => {
  it('give back the email they were made from, unreadable in the URL', () => {
    const cursor = encodeUserSearchCursor('ada+x@example.com');
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeUserSearchCursor(cursor)).toBe('ada+x@example.com');
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'a+b/c='],
    ['no email inside', Buffer.from('just-text').toString('base64url')],
    ['a NUL inside', Buffer.from('a\u0000@b').toString('base64url')],
    ['too long', 'A'.repeat(441)],
  ])('refuse %s', (_label, cursor) => {
    expect(decodeUserSearchCursor(cursor)).toBeNull();
  });
});

describe('escapeLikePattern', () => {
  it('makes %, _ and \\ literal and leaves the rest', () => {
    expect(escapeLikePattern('a%b_c\\d.e')).toBe('a\\%b\\_c\\\\d.e');
    expect(escapeLikePattern('ada@example.com')).toBe('ada@example.com');
  });
});
