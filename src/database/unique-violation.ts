import { DatabaseError } from 'pg';

import { Prisma } from '../generated/prisma/client';

/**
 * Whether a query failed on a unique constraint: P2002 from Prisma's query builder, a raw query's
 * PostgreSQL 23505 (Prisma reports those as P2010 with the driver's code in `meta`), or 23505 from pg itself.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (error instanceof DatabaseError) return error.code === '23505';
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (error.code === 'P2002') return true;
  const cause = (error.meta?.driverAdapterError as { cause?: { originalCode?: string } } | undefined)?.cause;
  return error.code === 'P2010' && cause?.originalCode === '23505';
}
