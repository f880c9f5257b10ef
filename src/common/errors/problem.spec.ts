import { BadRequestException, NotFoundException } from '@nestjs/common';
import { DatabaseError } from 'pg';

// Nest 12 ships ES modules only, which Jest's CommonJS runtime cannot load on Node 20 (it can from
// Node 24.9), and transpiling all of @nestjs/common would cost the unit layer seconds. problem.ts
// only needs `instanceof HttpException`, getStatus(), getResponse(), message and cause: this stand-in
// has Nest's shape for them.
jest.mock('@nestjs/common', () => {
  class HttpException extends Error {
    constructor(
      private readonly response: string | Record<string, unknown>,
      private readonly status: number,
      options?: { cause?: unknown },
    ) {
      super(typeof response === 'string' ? response : String(response.message));
      if (options && 'cause' in options) this.cause = options.cause;
    }
    getStatus(): number {
      return this.status;
    }
    getResponse(): string | Record<string, unknown> {
      return this.response;
    }
  }
  const withStatus = (status: number, error: string) =>
    class extends HttpException {
      constructor(message = error, options?: { cause?: unknown }) {
        super({ message, error, statusCode: status }, status, options);
      }
    };
  return {
    HttpException,
    BadRequestException: withStatus(400, 'Bad Request'),
    NotFoundException: withStatus(404, 'Not Found'),
  };
});

import { flattenValidationErrors } from '../validation/validation-errors';
import { DomainError } from './domain-error';
import { ERROR_CATALOG } from './error-catalog';
import { clientErrorResponse, isUnexpected, toProblem } from './problem';

const INSTANCE = '/v1/projects';

function sqlError(code: string): DatabaseError {
  const error = new DatabaseError('value too long for type character varying(64)', 0, 'error');
  error.code = code;
  return error;
}

describe('toProblem: DomainError', () => {
  it('renders type, title, status, detail, instance and code from the error catalog', () => {
    const problem = toProblem(new DomainError('email_taken', 'That email is registered.'), INSTANCE);
    expect(problem.status).toBe(409);
    expect(problem.body).toEqual({
      type: '/problems/email-taken',
      title: 'Email already registered',
      status: 409,
      detail: 'That email is registered.',
      instance: INSTANCE,
      code: 'email_taken',
    });
  });

  it("uses the catalog's description as detail when none is given", () => {
    const problem = toProblem(new DomainError('not_found'), INSTANCE);
    expect(problem.body.detail).toBe(ERROR_CATALOG.not_found.description);
  });

  it('adds the extensions as top-level members and keeps the headers (a 402 with plans and Retry-After)', () => {
    const error = new DomainError('payment_pending', undefined, { plans: ['pro'] }, { 'Retry-After': '10' });
    const problem = toProblem(error, INSTANCE);
    expect(problem.status).toBe(402);
    expect(problem.headers).toEqual({ 'Retry-After': '10' });
    expect(problem.body).toMatchObject({
      type: '/problems/payment-pending',
      code: 'payment_pending',
      plans: ['pro'],
    });
  });
});

describe('toProblem: validation errors', () => {
  it('lists every failed rule in errors[] and names each field once in detail', () => {
    const error = DomainError.validation([
      { field: 'email', message: 'email must be an email' },
      { field: 'email', message: 'email must be shorter than or equal to 254 characters' },
      { field: 'password', message: 'password must be longer than or equal to 12 characters' },
    ]);
    const problem = toProblem(error, INSTANCE);
    expect(problem.status).toBe(400);
    expect(problem.body).toMatchObject({
      type: '/problems/validation-failed',
      code: 'validation_failed',
      detail: 'Invalid value for: email, password.',
    });
    expect(problem.body.errors).toHaveLength(3);
  });

  it("flattens class-validator's nested failures into dotted field paths", () => {
    const errors = flattenValidationErrors([
      { property: 'name', constraints: { isString: 'name must be a string' }, children: [] },
      {
        property: 'features',
        children: [
          {
            property: '0',
            children: [
              { property: 'limit', constraints: { min: 'limit must not be less than 0' }, children: [] },
            ],
          },
        ],
      },
    ]);
    expect(errors).toEqual([
      { field: 'name', message: 'name must be a string' },
      { field: 'features.0.limit', message: 'limit must not be less than 0' },
    ]);
  });

  it('words an unknown field as "not an accepted field"', () => {
    const errors = flattenValidationErrors([
      {
        property: 'role',
        constraints: { whitelistValidation: 'property role should not exist' },
        children: [],
      },
    ]);
    expect(errors).toEqual([{ field: 'role', message: 'role is not an accepted field' }]);
  });
});

describe('toProblem: errors from the framework and the database', () => {
  it("answers a body over Fastify's limit with 413 payload_too_large", () => {
    const fastifyError = Object.assign(new Error('Request body is too large'), {
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
      statusCode: 413,
    });
    expect(toProblem(fastifyError, INSTANCE)).toMatchObject({
      status: 413,
      body: { code: 'payload_too_large', detail: 'The request body exceeds the size limit.' },
    });
  });

  it('looks through a Nest HttpException to the Fastify error it wraps (malformed JSON)', () => {
    const cause = Object.assign(new SyntaxError('Unexpected token'), {
      code: 'FST_ERR_CTP_INVALID_JSON_BODY',
    });
    const wrapped = new BadRequestException('Bad Request', { cause });
    expect(toProblem(wrapped, INSTANCE).body).toMatchObject({ status: 400, code: 'malformed_json' });
  });

  it("answers Nest's NotFoundException (unknown route) with the catalog's not_found", () => {
    const problem = toProblem(new NotFoundException('Cannot GET /v1/nope'), '/v1/nope');
    expect(problem.body).toMatchObject({ status: 404, code: 'not_found', type: '/problems/not-found' });
    expect(problem.body.detail).not.toContain('Cannot GET');
  });

  it('answers Prisma errors with 409 conflict, 404 not_found or 400 validation_failed', () => {
    const cases = [
      ['P2002', 409, 'conflict', 'A record with these values already exists.'],
      ['P2003', 409, 'conflict', 'The record refers to one that does not exist, or is still referred to.'],
      ['P2025', 404, 'not_found', undefined],
      ['P2000', 400, 'validation_failed', 'A value cannot be stored (too long, out of range or malformed).'],
    ] as const;
    for (const [prismaCode, status, code, detail] of cases) {
      const problem = toProblem({ code: prismaCode, message: 'prisma says no' }, INSTANCE);
      expect(problem.body).toMatchObject({ status, code, ...(detail ? { detail } : {}) });
    }
  });

  it('answers PostgreSQL data exceptions with 400 and constraint violations with 409, never 500', () => {
    const cases = [
      ['22001', 400, 'validation_failed'],
      ['22P05', 400, 'validation_failed'],
      ['23505', 409, 'conflict'],
      ['23503', 409, 'conflict'],
    ] as const;
    for (const [sqlState, status, code] of cases) {
      expect(toProblem(sqlError(sqlState), INSTANCE).body).toMatchObject({ status, code });
    }
  });

  it('answers a lost database connection with 503 database_unavailable, not as a fault of ours', () => {
    const problem = toProblem(
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      INSTANCE,
    );
    expect(problem.body).toMatchObject({ status: 503, code: 'database_unavailable' });
    expect(isUnexpected(problem)).toBe(false);
  });

  it('answers anything else with 500 internal_error, without leaking its message', () => {
    const problem = toProblem(new TypeError("Cannot read properties of undefined (reading 'id')"), INSTANCE);
    expect(problem.body).toMatchObject({
      status: 500,
      code: 'internal_error',
      type: '/problems/internal-error',
    });
    expect(JSON.stringify(problem.body)).not.toContain('Cannot read');
    expect(isUnexpected(problem)).toBe(true);
  });
});

describe('clientErrorResponse: requests Node refused before any route', () => {
  it('writes a complete problem+json HTTP response whose Content-Length matches the body', () => {
    const response = clientErrorResponse({ code: 'HPE_HEADER_OVERFLOW' });
    const [head = '', body] = response.split('\r\n\r\n');
    if (body === undefined) throw new Error(`No blank line between head and body in ${response}`);
    expect(head).toMatch(/^HTTP\/1\.1 431 Request headers too large\r\n/);
    expect(head).toContain('Content-Type: application/problem+json');
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
    expect(JSON.parse(body)).toMatchObject({ status: 431, code: 'headers_too_large', instance: '/' });
  });

  it('answers an unknown parser error with 400 malformed_request', () => {
    expect(clientErrorResponse({ code: 'HPE_INVALID_METHOD' })).toMatch(
      /^HTTP\/1\.1 400 Malformed request\r\n/,
    );
  });
});
