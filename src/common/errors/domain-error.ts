import { ERROR_CATALOG, ErrorCode } from './error-catalog';

export interface FieldError {
  field: string;
  message: string;
}

/** An error the API means to answer with: a stable code, a sentence for people, extra members. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    detail?: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? ERROR_CATALOG[code].description);
    this.name = 'DomainError';
  }

  get status(): number {
    return ERROR_CATALOG[this.code].status;
  }

  static validation(errors: FieldError[]): DomainError {
    const fields = [...new Set(errors.map((error) => error.field))].join(', ');
    return new DomainError('validation_failed', `Invalid value for: ${fields}.`, { errors });
  }
}
