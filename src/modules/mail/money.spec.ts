import { formatAmount } from './money';

describe('formatAmount', () => {
  it("reads Stripe's smallest units per currency", () => {
    expect(formatAmount(1900, 'usd')).toBe('$19.00');
    expect(formatAmount(123456, 'eur')).toBe('€1,234.56');
    expect(formatAmount(0, 'gbp')).toBe('£0.00');
    expect(formatAmount(1000, 'jpy')).toBe('¥1,000');
    expect(formatAmount(1500, 'KWD')).toMatch(/^KWD\s1\.500$/);
  });

  it('answers the number and the code for a currency it does not know', () => {
    expect(formatAmount(1999, 'zzz')).toMatch(/19\.99/);
    expect(formatAmount(1999, '<b>')).toBe('19.99 <B>');
  });
});
