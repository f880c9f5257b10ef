import { formatMoney } from './money';

describe('formatMoney', () => {
  it.each([
    [19000, 'usd', '$190.00'],
    [1999, 'eur', '€19.99'],
    [500, 'jpy', '¥500'],
    [0, 'gbp', '£0.00'],
    [1234, 'xyz', 'XYZ 12.34'],
    [1234, 'u$', '12.34 U$'],
  ])('%i %s is %s', (amount, currency, expected) => {
    expect(formatMoney(amount, currency)).toBe(expected);
  });
});
