/**
 * A ticket for a Stripe fetch about to be sent (from a database sequence: later fetches draw higher
 * tickets) and when it was drawn, on the database's clock like `webhook_events.received_at`.
 */
export interface SyncTicket {
  ticket: bigint;
  startedAt: Date;
}

/**
 * Whether a stored fetch already answers an event received at `receivedAt`: Stripe made the event's
 * change before sending it, so a fetch sent after the event arrived saw that change or a later state.
 * Both times are the database's, rounded to the millisecond, which keeps their order.
 */
export function fetchAnswersEvent(fetchStartedAt: Date | null, receivedAt: Date | undefined): boolean {
  return fetchStartedAt !== null && receivedAt !== undefined && fetchStartedAt > receivedAt;
}
