import { decodeInvoiceCursor, encodeInvoiceCursor } from './invoice-cursor';

describe('invoice cursor', () => {
  const position = { created: new Date('2026-11-30T12:00:01.000Z'), id: 'in_1Pgc6rB7WZ01zgkWNy0Cn5nw' };

  it('gives back the position it was made from', () => {
    const cursor = encodeInvoiceCursor(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeInvoiceCursor(cursor)).toEqual(position);
  });

  it('refuses anything it did not make', () => {
    const encode = (text: string) => Buffer.from(text).toString('base64url');
    for (const cursor of [
      '',
      'not a cursor!',
      'x'.repeat(501),
      encode('2026-11-30T12:00:01.000Z'),
      encode('2026-11-30T12:00:01.000Z|'),
      encode('yesterday|in_1'),
      encode('2026-11-30T12:00:01Z|in_1'), // not the form the service writes
      encode('2026-11-30T12:00:01.000Z|in_1|extra'),
      encode("2026-11-30T12:00:01.000Z|in_1' OR 1=1"),
    ]) {
      expect(decodeInvoiceCursor(cursor)).toBeNull();
    }
  });
});
