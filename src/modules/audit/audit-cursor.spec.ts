import { decodeAuditCursor, encodeAuditCursor } from './audit-cursor';

describe('audit cursors', () => {
  const position = { at: new Date('2026-11-30T14:29:21.123Z'), id: '3f0c8a52-4a55-4c1e-9d6c-6a0d5f1b2c3d' };

  it('give back the position they were made from', () => {
    expect(decodeAuditCursor(encodeAuditCursor(position))).toEqual(position);
  });

  it('are opaque: URL-safe, no readable time or id', () => {
    const cursor = encodeAuditCursor(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain(position.id);
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'a+b/c='],
    ['a bare uuid', position.id],
    ['no id', Buffer.from('2026-11-30T14:29:21.123Z').toString('base64url')],
    ['a bad id', Buffer.from('2026-11-30T14:29:21.123Z|nope').toString('base64url')],
    ['a bad time', Buffer.from(`yesterday|${position.id}`).toString('base64url')],
    ['a loose time', Buffer.from(`2026-11-30|${position.id}`).toString('base64url')],
    ['extra parts', Buffer.from(`2026-11-30T14:29:21.123Z|${position.id}|x`).toString('base64url')],
    ['too long', 'A'.repeat(201)],
  ])('refuse %s', (_label, cursor) => {
    expect(decodeAuditCursor(cursor)).toBeNull();
  });
});
