import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsEmail, IsISO8601, IsString, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';

/** PostgreSQL text cannot hold NUL; reject it as a field error instead of failing the query. */
export const NoNullBytes = () =>
  Matches(/^[^\u0000]*$/, { message: ({ property }) => `${property} must not contain NUL characters` });

export const TextField = (options: { min?: number; max: number }) =>
  applyDecorators(IsString(), MinLength(options.min ?? 1), MaxLength(options.max), NoNullBytes());

export const EmailField = () =>
  applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' ? value.trim().toLowerCase() : value,
    ),
    IsString(),
    MaxLength(320),
    IsEmail({}, { message: 'email must be an email address' }),
  );

/** The field may be left out, but not sent as null: unlike @IsOptional(), null is validated (and refused). */
export const Omittable = () => ValidateIf((_object: object, value: unknown) => value !== undefined);

/** RFC 3339: what `new Date()` reads the same everywhere (ISO 8601 also allows week dates and more). */
const RFC_3339 = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/i;

export const TimestampField = () =>
  applyDecorators(
    IsISO8601(
      { strict: true },
      { message: ({ property }) => `${property} must be an ISO 8601 timestamp (e.g. 2027-01-31T12:00:00Z)` },
    ),
    Matches(RFC_3339, {
      message: ({ property }) => `${property} must be an ISO 8601 timestamp (e.g. 2027-01-31T12:00:00Z)`,
    }),
  );
