/** Where a newest-first page of the log ends: the last entry's time and id (ties broken by id). */
export interface AuditPosition {
  at: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Opaque to clients: they pass back what they were given. */
export function encodeAuditCursor(position: AuditPosition): string {
  return Buffer.from(`${position.at.toISOString()}|${position.id}`).toString('base64url');
}

/** The position a cursor names, or null when it is not one this service made. */
export function decodeAuditCursor(cursor: string): AuditPosition | null {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return null;
  const [at, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (rest.length > 0 || !at || !id || !UUID.test(id)) return null;
  const time = new Date(at);
  if (Number.isNaN(time.getTime()) || time.toISOString() !== at) return null;
  return { at: time, id };
}
