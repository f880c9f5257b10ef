/**
 * Runs work one at a time per key, in the order asked, in process. For work that would queue anyway
 * (on a row lock): waiting here holds nothing, where waiting for the lock holds a pooled connection.
 * A failed piece of work fails its own caller only; the next one runs.
 */
export class OneAtATime<K> {
  private readonly tails = new Map<K, Promise<void>>();

  run<T>(key: K, work: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with work queued or running (for tests and metrics). */
  get busy(): number {
    return this.tails.size;
  }
}
