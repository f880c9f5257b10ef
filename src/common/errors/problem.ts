import { HttpException } from '@nestjs/common';

import { isDatabaseUnavailableError } from '../../database/database-errors';
import { sqlStateOf } from '../../database/sql-state';
import { DomainError } from './domain-error';
import { ERROR_CATALOG, ErrorCode, problemType } from './error-catalog';

export interface Problem {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown> & { code: string; status: number };
}

const HTTP_STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: 'validation_failed',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'service_unavailable',
};

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'validation_failed',
  FST_ERR_BAD_URL: 'malformed_request',
  FST_ERR_MAX_PARAM_LENGTH: 'malformed_request',
  // Node's HTTP parser, before any route (see clientErrorProblem).
  ERR_HTTP_REQUEST_TIMEOUT: 'request_timeout',
  HPE_HEADER_OVERFLOW: 'headers_too_large',
};

const PRISMA_CODES: Record<string, ErrorCode> = {
  P2002: 'conflict',
  P2003: 'conflict',
  P2025: 'not_found',
  P2000: 'validation_failed',
  P2006: 'validation_failed',
  P2007: 'validation_failed',
  P2020: 'validation_failed',
  P2023: 'validation_failed',
};

/** Turns anything thrown while serving a request into an RFC 9457 problem. */
export function toProblem(error: unknown, instance: string): Problem {
  const domainError = asDomainError(error);
  if (domainError) {
    return {
      status: domainError.status,
      headers: domainError.headers,
      body: {
        type: problemType(domainError.code),
        title: ERROR_CATALOG[domainError.code].title,
        status: domainError.status,
        detail: domainError.message,
        instance,
        code: domainError.code,
        ...domainError.extensions,
      },
    };
  }
  return toProblem(new DomainError('internal_error'), instance);
}

/** The answer to a request Node's HTTP parser refused (no route, no request object): status line and all. */
export function clientErrorResponse(error: { code?: unknown }): string {
  const known = typeof error.code === 'string' ? FASTIFY_CODES[error.code] : undefined;
  const problem = toProblem(new DomainError(known ?? 'malformed_request'), '/');
  const body = JSON.stringify(problem.body);
  return (
    `HTTP/1.1 ${problem.status} ${problem.body.title as string}\r\nConnection: close\r\n` +
    `Content-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

/** Whether the problem is ours to log as a fault (5xx other than a known outage). */
export function isUnexpected(problem: Problem): boolean {
  return problem.body.code === 'internal_error';
}

function asDomainError(error: unknown): DomainError | null {
  if (error instanceof DomainError) return error;
  if (isDatabaseUnavailableError(error)) return new DomainError('database_unavailable');
  if (error instanceof HttpException) {
    // Nest wraps Fastify's own errors (body parsing, size limit) and keeps them as the cause.
    return (error.cause !== undefined && asDomainError(error.cause)) || fromHttpException(error);
  }
  if (!isRecord(error)) return null;

  const code = typeof error.code === 'string' ? error.code : undefined;
  if (code && FASTIFY_CODES[code]) return new DomainError(FASTIFY_CODES[code], fastifyDetail(error));
  if (code && PRISMA_CODES[code]) return fromPrismaError(code);
  const sqlState = sqlStateOf(error);
  // Class 22, data exception: a value the column cannot hold (NUL byte, too long, out of range).
  if (sqlState?.startsWith('22')) return fromPrismaError('P2000');
  if (sqlState === '23505') return fromPrismaError('P2002');
  if (sqlState === '23503') return fromPrismaError('P2003');
  if (error instanceof SyntaxError && error.statusCode === 400) return new DomainError('malformed_json');
  if (typeof error.statusCode === 'number' && error.statusCode < 500) {
    const mapped = HTTP_STATUS_CODES[error.statusCode];
    if (mapped) return new DomainError(mapped);
  }
  return null;
}

function fromHttpException(error: HttpException): DomainError | null {
  const status = error.getStatus();
  const code = HTTP_STATUS_CODES[status];
  if (!code) return status >= 500 ? null : new DomainError('validation_failed', error.message);
  const response = error.getResponse();
  const details = isRecord(response) && isRecord(response.details) ? { checks: response.details } : {};
  const detail = code === 'not_found' || code === 'service_unavailable' ? undefined : error.message;
  return new DomainError(code, detail ?? ERROR_CATALOG[code].description, details);
}

function fromPrismaError(prismaCode: string): DomainError {
  const code = PRISMA_CODES[prismaCode];
  if (prismaCode === 'P2003') {
    return new DomainError(
      'conflict',
      'The record refers to one that does not exist, or is still referred to.',
    );
  }
  if (code === 'conflict') return new DomainError('conflict', 'A record with these values already exists.');
  if (code === 'not_found') return new DomainError('not_found');
  return new DomainError(
    'validation_failed',
    'A value cannot be stored (too long, out of range or malformed).',
  );
}

function fastifyDetail(error: Record<string, unknown>): string | undefined {
  return error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'The request body exceeds the size limit.' : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
