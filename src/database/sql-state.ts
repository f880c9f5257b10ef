import { DatabaseError } from 'pg';

import { Prisma } from '../generated/prisma/client';

/**
 * PostgreSQL's SQLSTATE of a failed query: from pg itself, or from Prisma, which reports errors it has
 * no code of its own for (P2010 for raw queries, P2039 otherwise) with the driver's code in `meta`.
 */
export function sqlStateOf(error: unknown): string | undefined {
  if (error instanceof DatabaseError) return error.code;
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return undefined;
  const cause = (error.meta?.driverAdapterError as { cause?: { originalCode?: unknown } } | undefined)?.cause;
  return typeof cause?.originalCode === 'string' ? cause.originalCode : undefined;
}

/** Whether a query failed on a unique constraint (Prisma's P2002, or 23505 from a raw query or pg). */
export function isUniqueViolation(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') return true;
  return sqlStateOf(error) === '23505';
}
