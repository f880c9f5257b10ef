import { ERROR_CATALOG, ErrorCode } from './error-catalog';

export interface FieldError {
  field: string;
  message: string;
}

/** An error the API means to answer with: a stable code, a sentence for people, extra members. */
export class DomainError extends Error {
  declare readonly code: ErrorCode;
  declare readonly extensions: Record<string, unknown>;
  declare readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    detail?: string,
    extensions: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    // An expected outcome (a 402, a 404) needs no stack, and capturing one is a large share of its cost.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(detail ?? ERROR_CATALOG[code].description);
    Error.stackTraceLimit = stackTraceLimit;
    this.name = 'DomainError';
    Object.assign(this, { code, extensions, headers });
  }

  get status(): number {
    return ERROR_CATALOG[this.code].status;
  }

  static validation(errors: FieldError[]): DomainError {
    const fields = [...new Set(errors.map((error) => error.field))].join(', ');
    return new DomainError('validation_failed', `Invalid value for: ${fields}.`, { errors });
  }
}
