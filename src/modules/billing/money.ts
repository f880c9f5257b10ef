/**
 * An amount in the currency's smallest unit, as Stripe gives it, written for people: 19000 usd →
 * "$190.00", 500 jpy → "¥500". The currency's decimals come from ICU, which agrees with Stripe's
 * zero-decimal list for the currencies Stripe charges in.
 */
export function formatMoney(amount: number, currency: string): string {
  const code = currency.toUpperCase();
  let format: Intl.NumberFormat;
  try {
    format = new Intl.NumberFormat('en-US', { style: 'currency', currency: code });
  } catch {
    return `${(amount / 100).toFixed(2)} ${code}`;
  }
  const decimals = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(amount / 10 ** decimals).replace(/\u00a0/g, ' ');
}
