/** Where a newest-first page of invoices ends: the last invoice's Stripe `created` and id (ties by id). */
export interface InvoicePosition {
  created: Date;
  id: string;
}

const STRIPE_ID = /^[A-Za-z0-9_]{1,255}$/;

/** Opaque to clients: they pass back what they were given. */
export function encodeInvoiceCursor(position: InvoicePosition): string {
  return Buffer.from(`${position.created.toISOString()}|${position.id}`).toString('base64url');
}

/** The position a cursor names, or null when it is not one this service made. */
export function decodeInvoiceCursor(cursor: string): InvoicePosition | null {
  if (!/^[A-Za-z0-9_-]{1,500}$/.test(cursor)) return null;
  const [at, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (rest.length > 0 || !at || !id || !STRIPE_ID.test(id)) return null;
  const created = new Date(at);
  if (Number.isNaN(created.getTime()) || created.toISOString() !== at) return null;
  return { created, id };
}
