import { matchesRequest, type RequestMatcher } from './path-pattern';
import type { Params } from './params';
import type { RateLimitReason } from './stripe-load';

/** The request headers tests usually want to assert on. */
export interface RecordedHeaders {
  authorization?: string;
  'content-type'?: string;
  'idempotency-key'?: string;
  'stripe-account'?: string;
  'stripe-version'?: string;
  'user-agent'?: string;
}

export const RECORDED_HEADER_NAMES: readonly (keyof RecordedHeaders)[] = [
  'authorization',
  'content-type',
  'idempotency-key',
  'stripe-account',
  'stripe-version',
  'user-agent',
];

export interface RecordedRequest {
  /** The `request-id` the double answered with (`req_…`). */
  requestId: string;
  method: string;
  /** The path without its query string. */
  path: string;
  query: Params;
  /** The form-encoded body, decoded (`metadata[userId]=1` → `{ metadata: { userId: '1' } }`). */
  body: Params;
  idempotencyKey: string | null;
  headers: RecordedHeaders;
  receivedAt: Date;
  /** The status answered; undefined while a hang fault holds the answer or when it was dropped. */
  status?: number;
  responseBody?: unknown;
  /** When the answer left (after the latency of `behaveLikeStripe`, if any); undefined if none did. */
  answeredAt?: Date;
  /** Answered 429 by the rate limits of `behaveLikeStripe`: the limit it exceeded. */
  rateLimited?: RateLimitReason;
  /** Which fault switch, if any, intercepted the request. */
  fault?: 'fail' | 'hang' | 'drop';
  /** The answer was replayed from an earlier request with the same Idempotency-Key. */
  idempotentReplay: boolean;
}

export type RequestFilter = RequestMatcher;

export class RequestLog {
  private readonly entries: RecordedRequest[] = [];

  record(entry: RecordedRequest): RecordedRequest {
    this.entries.push(entry);
    return entry;
  }

  /** Requests in the order they arrived, optionally filtered by method and path pattern. */
  find(filter: RequestFilter = {}): RecordedRequest[] {
    return this.entries.filter((entry) => matchesRequest(filter, entry.method, entry.path));
  }

  clear(): void {
    this.entries.length = 0;
  }
}
