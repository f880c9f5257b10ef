import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, Matches, MaxLength, MinLength } from 'class-validator';

/** PostgreSQL text cannot hold NUL; reject it as a field error instead of failing the query. */
export const NoNullBytes = () =>
  Matches(/^[^\u0000]*$/, { message: ({ property }) => `${property} must not contain NUL characters` });

export const TextField = (options: { min?: number; max: number }) =>
  applyDecorators(IsString(), MinLength(options.min ?? 1), MaxLength(options.max), NoNullBytes());

export const EmailField = () =>
  applyDecorators(
    Transform(({ value }) => (typeof value === 'string' ? value.trim().toLowerCase() : value)),
    IsString(),
    MaxLength(320),
    IsEmail({}, { message: 'email must be an email address' }),
  );
