/** Deeper than any body this API takes (a Stripe event is about ten levels); deeper would only cost. */
export const MAX_JSON_DEPTH = 64;

/**
 * Why a parsed JSON body is refused, or null when it is acceptable: the body must be an object, no
 * deeper than MAX_JSON_DEPTH, and every string and key well-formed UTF-16 (a lone surrogate cannot be
 * stored as UTF-8 and breaks validators that encode it).
 */
export function jsonBodyProblem(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return 'The request body must be a JSON object.';
  }
  // Iterative, so that the check itself cannot overflow the stack.
  const pending: { value: unknown; depth: number }[] = [{ value: body, depth: 1 }];
  while (pending.length > 0) {
    const { value, depth } = pending.pop()!;
    if (typeof value === 'string') {
      if (!value.isWellFormed()) return 'The request body contains a string that is not valid Unicode.';
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_JSON_DEPTH) return `The request body is nested deeper than ${MAX_JSON_DEPTH} levels.`;
    const entries = Array.isArray(value) ? value : Object.values(value);
    if (!Array.isArray(value)) {
      for (const key of Object.keys(value)) {
        if (!key.isWellFormed()) return 'The request body contains a key that is not valid Unicode.';
      }
    }
    for (const entry of entries) pending.push({ value: entry, depth: depth + 1 });
  }
  return null;
}
