import type { Params } from './params';

export interface SavedResponse {
  /** What the request asked for; a reuse of the key must ask for the same. */
  fingerprint: string;
  status: number;
  body: unknown;
  requestId: string;
}

/** Results of POST requests by Idempotency-Key, replayed to retries like Stripe does for 24 h. */
export class IdempotencyCache {
  private readonly saved = new Map<string, SavedResponse>();

  static fingerprint(method: string, path: string, params: Params): string {
    return JSON.stringify([method, path, params]);
  }

  get(key: string): SavedResponse | undefined {
    return this.saved.get(key);
  }

  save(key: string, response: SavedResponse): void {
    this.saved.set(key, response);
  }

  clear(): void {
    this.saved.clear();
  }
}
