import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  defaultErrorBodyForStatus,
  idempotencyKeyReused,
  invalidApiKey,
  invalidValue,
  missingApiKey,
  StripeApiError,
  unrecognizedUrl,
  type StripeErrorBody,
} from './api-error';
import { expandResponse } from './expand';
import type { FaultSwitchboard, HeldResponses } from './faults';
import { IdempotencyCache } from './idempotency';
import { newId } from './ids';
import { Operation, type DoubleSettings } from './operation';
import { ParamReader, parseFormEncoded, type Params } from './params';
import {
  RECORDED_HEADER_NAMES,
  type RecordedHeaders,
  type RecordedRequest,
  type RequestLog,
} from './request-log';
import { findRoute, type HttpMethod, pathParamReader, type Route } from './router';
import type { Store } from './store';
import type { RateLimitReason, StripeLoad } from './stripe-load';

const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

interface Answer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
  replayed: boolean;
}

export interface PipelineParts {
  store: Store;
  settings: DoubleSettings;
  routes: readonly Route[];
  requestLog: RequestLog;
  faults: FaultSwitchboard;
  heldResponses: HeldResponses;
  idempotency: IdempotencyCache;
  /** Latency and rate limits (`behaveLikeStripe`); off by default. */
  load: StripeLoad;
  /** When set, the only secret key accepted; otherwise any test-mode key is. */
  apiKey?: string;
}

interface ParsedRequest {
  method: string;
  path: string;
  query: Params;
  body: Params;
  requestId: string;
  idempotencyKey: string | null;
  authorization: string | undefined;
  stripeVersion: string | undefined;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function errorAnswer(status: number, error: StripeErrorBody, requestId: string): Answer {
  return {
    status,
    body: {
      error: {
        ...error,
        request_log_url: `https://dashboard.stripe.com/test/logs/${requestId}?t=${Math.floor(Date.now() / 1000)}`,
      },
    },
    headers: {},
    replayed: false,
  };
}

/**
 * Stripe's answer past a rate limit: 429 with the limit named in `Stripe-Rate-Limited-Reason`, no
 * `Retry-After` and no `Stripe-Should-Retry` (Stripe asks clients to retry only lock timeouts, so
 * stripe-node, which retries a 429 only on `Stripe-Should-Retry: true`, hands it to the caller).
 */
function rateLimitedAnswer(reason: RateLimitReason, requestId: string): Answer {
  return {
    ...errorAnswer(429, defaultErrorBodyForStatus(429), requestId),
    headers: { 'stripe-rate-limited-reason': reason },
  };
}

/** Stripe takes the secret key as a Bearer token, or as the Basic auth user name. */
function secretKeyFrom(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const [scheme = '', credentials] = authorization.split(' ', 2);
  if (/^bearer$/i.test(scheme)) return credentials?.trim() || undefined;
  if (/^basic$/i.test(scheme) && credentials) {
    return Buffer.from(credentials, 'base64').toString('utf8').split(':')[0] || undefined;
  }
  return undefined;
}

/**
 * What happens to one HTTP request: it is logged, may be intercepted by a fault switch, is
 * authenticated, replayed from the idempotency cache or routed to its handler, and answered with
 * Stripe's headers and JSON.
 */
export class RequestPipeline {
  constructor(private readonly parts: PipelineParts) {}

  readonly handle = (request: IncomingMessage, response: ServerResponse): void => {
    this.process(request, response).catch((error: unknown) => {
      // A bug in the double, not a Stripe behaviour: make it loud.
      console.error('Stripe double failed to handle a request', error);
      if (!response.headersSent) {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({ error: { type: 'api_error', message: `Stripe double bug: ${String(error)}` } }),
        );
      }
    });
  };

  private async process(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const parsed = this.parse(request, await readBody(request));
    const entry = this.parts.requestLog.record({
      requestId: parsed.requestId,
      method: parsed.method,
      path: parsed.path,
      query: parsed.query,
      body: parsed.body,
      idempotencyKey: parsed.idempotencyKey,
      headers: this.recordedHeaders(request),
      receivedAt: new Date(),
      idempotentReplay: false,
    });

    const fault = this.parts.faults.take(parsed.method, parsed.path);
    if (fault) entry.fault = fault.kind;
    if (fault?.kind === 'fail') {
      const answer = errorAnswer(fault.status, fault.error, parsed.requestId);
      this.reply(response, entry, parsed, { ...answer, headers: fault.headers });
      return;
    }
    if (fault?.kind === 'drop' && !fault.afterProcessing) {
      request.socket.destroy();
      return;
    }
    if (fault?.kind === 'hang' && !fault.afterProcessing) {
      this.parts.heldResponses.hold(response, fault.delayMs, () =>
        this.send(response, entry, parsed, this.answer(parsed)),
      );
      return;
    }

    if (fault?.kind !== 'drop' && fault?.kind !== 'hang') {
      const limited = this.parts.load.admit(this.endpointOf(parsed));
      if (limited) {
        entry.rateLimited = limited;
        this.reply(response, entry, parsed, rateLimitedAnswer(limited, parsed.requestId));
        return;
      }
    }

    // The request takes effect on arrival; with latency on, only its answer is late.
    const answer = this.answer(parsed);
    if (fault?.kind === 'drop') {
      request.socket.destroy();
    } else if (fault?.kind === 'hang') {
      this.parts.heldResponses.hold(response, fault.delayMs, () =>
        this.send(response, entry, parsed, answer),
      );
    } else {
      this.reply(response, entry, parsed, answer);
    }
  }

  /** Sends the answer, after the latency `behaveLikeStripe` asks for. */
  private reply(
    response: ServerResponse,
    entry: RecordedRequest,
    request: ParsedRequest,
    answer: Answer,
  ): void {
    const latency = this.parts.load.latency();
    if (latency <= 0) {
      this.send(response, entry, request, answer);
      return;
    }
    this.parts.heldResponses.hold(response, latency, () => this.send(response, entry, request, answer));
  }

  /** The endpoint a rate limit counts the request against: its method and route (`/v1/x/:id`). */
  private endpointOf(request: ParsedRequest): string {
    const route = findRoute(this.parts.routes, request.method, request.path)?.route;
    return `${request.method} ${route?.path ?? request.path}`;
  }

  private parse(request: IncomingMessage, rawBody: string): ParsedRequest {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = (request.method ?? 'GET').toUpperCase();
    return {
      method,
      path: url.pathname,
      query: parseFormEncoded(url.search.slice(1)),
      body: method === 'POST' ? parseFormEncoded(rawBody) : {},
      requestId: newId('req'),
      idempotencyKey: headerValue(request, 'idempotency-key') ?? null,
      authorization: headerValue(request, 'authorization'),
      stripeVersion: headerValue(request, 'stripe-version'),
    };
  }

  private recordedHeaders(request: IncomingMessage): RecordedHeaders {
    const headers: RecordedHeaders = {};
    for (const name of RECORDED_HEADER_NAMES) {
      const value = headerValue(request, name);
      if (value !== undefined) headers[name] = value;
    }
    return headers;
  }

  private answer(request: ParsedRequest): Answer {
    try {
      this.authenticate(request.authorization);
      const match = findRoute(this.parts.routes, request.method, request.path);
      if (!match) throw unrecognizedUrl(request.method, request.path);
      // Stripe ignores idempotency keys on GET and DELETE, which are idempotent anyway.
      const idempotencyKey = request.method === 'POST' ? request.idempotencyKey : null;
      if (idempotencyKey !== null) {
        if (idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
          throw invalidValue(
            'Idempotency-Key',
            `Invalid Idempotency-Key: must be ${MAX_IDEMPOTENCY_KEY_LENGTH} characters or fewer.`,
          );
        }
        const replay = this.replay(request, idempotencyKey);
        if (replay) return replay;
      }
      const answer = this.execute(request, match.route, match.pathParams);
      if (idempotencyKey !== null && answer.saved) {
        this.parts.idempotency.save(idempotencyKey, {
          fingerprint: IdempotencyCache.fingerprint(request.method, request.path, request.body),
          status: answer.status,
          body: answer.body,
          requestId: request.requestId,
        });
      }
      return answer;
    } catch (error) {
      if (error instanceof StripeApiError) {
        return errorAnswer(error.statusCode, error.body, request.requestId);
      }
      throw error;
    }
  }

  private authenticate(authorization: string | undefined): void {
    const key = secretKeyFrom(authorization);
    if (!key) throw missingApiKey();
    const acceptable = this.parts.apiKey ? key === this.parts.apiKey : /^(sk|rk)_test_\w+$/.test(key);
    if (!acceptable) throw invalidApiKey(key);
  }

  private replay(request: ParsedRequest, idempotencyKey: string): Answer | undefined {
    const saved = this.parts.idempotency.get(idempotencyKey);
    if (!saved) return undefined;
    if (saved.fingerprint !== IdempotencyCache.fingerprint(request.method, request.path, request.body)) {
      throw idempotencyKeyReused(idempotencyKey);
    }
    return {
      status: saved.status,
      body: structuredClone(saved.body),
      headers: { 'idempotent-replayed': 'true', 'original-request': saved.requestId },
      replayed: true,
    };
  }

  private execute(
    request: ParsedRequest,
    route: Route,
    pathParams: Record<string, string>,
  ): Answer & { saved: boolean } {
    const { store, settings } = this.parts;
    const checkpoint = request.method === 'GET' || route.writesLast ? undefined : store.checkpoint();
    const operation = new Operation(store, settings, {
      id: request.requestId,
      idempotency_key: request.idempotencyKey,
    });
    const params = new ParamReader({ ...request.query, ...request.body });
    try {
      const body = expandResponse(
        store,
        route.handler({
          method: request.method as HttpMethod,
          path: request.path,
          pathParam: pathParamReader(route, pathParams),
          params,
          operation,
        }),
        params.expand(),
      );
      return { status: 200, body, headers: {}, replayed: false, saved: true };
    } catch (error) {
      const keepsSideEffects = error instanceof StripeApiError && error.savedForIdempotentReplay;
      if (checkpoint && !keepsSideEffects) store.rollback(checkpoint);
      if (!(error instanceof StripeApiError)) throw error;
      return {
        ...errorAnswer(error.statusCode, error.body, request.requestId),
        saved: error.savedForIdempotentReplay,
      };
    }
  }

  private send(
    response: ServerResponse,
    entry: RecordedRequest,
    request: ParsedRequest,
    answer: Answer,
  ): void {
    if (response.destroyed || response.writableEnded) return;
    entry.status = answer.status;
    entry.answeredAt = new Date();
    entry.responseBody = answer.body;
    entry.idempotentReplay = answer.replayed;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'cache-control': 'no-cache, no-store',
      'request-id': request.requestId,
      'stripe-version': request.stripeVersion ?? this.parts.settings.apiVersion,
      ...answer.headers,
    };
    if (request.method === 'POST' && request.idempotencyKey) {
      headers['idempotency-key'] = request.idempotencyKey;
    }
    response.writeHead(answer.status, headers);
    response.end(JSON.stringify(answer.body, null, 2));
  }
}
