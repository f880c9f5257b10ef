/** Where a request keeps what it must undo if it does not succeed. */
const UNDO = Symbol('undo unless the request succeeds');

interface Undoable {
  [UNDO]?: (() => void)[];
}

/**
 * Has `undo` run if the request ends in an error response (4xx or 5xx: a later guard, the validation,
 * the handler or the serializer failed), so that what a guard took counts only for requests that
 * succeed. Cheaper than an interceptor around the handler, which puts every request of the route
 * through an RxJS pipeline.
 */
export function undoUnlessSucceeded(request: object, undo: () => void): void {
  ((request as Undoable)[UNDO] ??= []).push(undo);
}

/**
 * Called once the response's status is known (Fastify's onSend hook, before anything is written, so
 * also when the client has gone): runs the undos of a failed request, forgets those of a successful
 * one. Only the first call decides.
 */
export function settleUndo(request: object, statusCode: number): void {
  const undoable = request as Undoable;
  const undos = undoable[UNDO];
  if (!undos) return;
  undoable[UNDO] = undefined;
  if (statusCode >= 400) for (const undo of undos) undo();
}
