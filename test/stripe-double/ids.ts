import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

type ShortIdPrefix = 'cus' | 'prod' | 'si' | 'req' | 'bpc';
type LongIdPrefix =
  | 'price'
  | 'sub'
  | 'in'
  | 'il'
  | 'ii'
  | 'inpay'
  | 'evt'
  | 'bps'
  | 'ch'
  | 'pi'
  | 're'
  | 'pm'
  | 'li'
  | 'seti'
  | 'mtr';

export type IdPrefix = ShortIdPrefix | LongIdPrefix | 'cs_test';

// Stripe mints two id styles: short (cus_QXg1o8vcGmoR32) and long with a leading "1"
// (sub_1Pgc6rB7WZ01zgkWNy0Cn5nw). Matching them keeps length/format assumptions in the app honest.
const SHORT_ID_PREFIXES: ReadonlySet<IdPrefix> = new Set<ShortIdPrefix>(['cus', 'prod', 'si', 'req', 'bpc']);

export function randomChars(length: number, alphabet = ALPHABET): string {
  const bytes = randomBytes(length);
  let chars = '';
  for (const byte of bytes) chars += alphabet[byte % alphabet.length];
  return chars;
}

export function newId(prefix: IdPrefix): string {
  if (prefix === 'cs_test') return `cs_test_a1${randomChars(58)}`;
  if (SHORT_ID_PREFIXES.has(prefix)) return `${prefix}_${randomChars(14)}`;
  return `${prefix}_1${randomChars(23)}`;
}
