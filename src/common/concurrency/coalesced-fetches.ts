interface Flight<T> {
  /** Flights are numbered as they start: a later number started later. */
  number: number;
  /** The fetch in flight: started before some of its waiters may have had their reason to fetch. */
  current: Promise<T>;
}

type Outcome<T> = { ok: true; value: T } | { ok: false };

/**
 * At most one fetch in flight per key, and each caller gets a fetch that started after it asked, or
 * one it says answers it.
 *
 * A caller arriving while a fetch is in flight cannot simply take that fetch's answer: it may have been
 * sent before whatever made the caller ask (an event Stripe sent after the change) and so answer with
 * the state before the change. It waits for the flight to settle; if `answers` accepts that answer (the
 * fetch was sent after the caller's event arrived) it takes it, else it shares the next fetch, which
 * starts once the current one settles and is shared by everyone who arrived in the meantime. So however
 * many callers come at once, a key sees at most two fetches for them: the one in flight and one
 * follow-up. A failed fetch fails its starter; those who waited on it go on to the follow-up.
 *
 * In process only: each instance coalesces its own callers.
 */
export class CoalescedFetches<K, T> {
  private readonly flights = new Map<K, Flight<T>>();
  private started = 0;

  /**
   * The answer of a fetch of `key` that starts now or, when one is in flight, of that one if `answers`
   * accepts it, else of the one after it. `fetch` runs only when this call starts a fetch.
   */
  fetch(key: K, fetch: () => Promise<T>, answers?: (value: T) => boolean): Promise<T> {
    const flight = this.flights.get(key);
    if (!flight) return this.start(key, fetch);
    return outcomeOf(flight.current).then((outcome) => {
      if (outcome.ok && answers?.(outcome.value)) return outcome.value;
      const next = this.flights.get(key);
      // The first waiter to get here started the follow-up; the others share it.
      if (next && next.number > flight.number) return next.current;
      return this.start(key, fetch);
    });
  }

  /** Keys with a fetch in flight (for tests and metrics). */
  get inFlight(): number {
    return this.flights.size;
  }

  private start(key: K, fetch: () => Promise<T>): Promise<T> {
    const flight: Flight<T> = { number: ++this.started, current: Promise.resolve() as Promise<T> };
    this.flights.set(key, flight);
    flight.current = (async () => {
      try {
        return await fetch();
      } finally {
        if (this.flights.get(key) === flight) this.flights.delete(key);
      }
    })();
    return flight.current;
  }
}

function outcomeOf<T>(promise: Promise<T>): Promise<Outcome<T>> {
  return promise.then(
    (value) => ({ ok: true, value }),
    () => ({ ok: false }),
  );
}
