/** Opaque to clients: the email of the last entry of a page, in the order the search lists users. */
export function encodeUserSearchCursor(email: string): string {
  return Buffer.from(email).toString('base64url');
}

/** The email a cursor names, or null when it is not one this service made. */
export function decodeUserSearchCursor(cursor: string): string | null {
  if (!/^[A-Za-z0-9_-]{1,440}$/.test(cursor)) return null;
  const email = Buffer.from(cursor, 'base64url').toString('utf8');
  return email.length <= 320 && email.includes('@') && !email.includes('\u0000') ? email : null;
}

/** A LIKE pattern's wildcards (`%`, `_`) and escape character as literal characters. */
export function escapeLikePattern(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}
