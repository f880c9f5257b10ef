import { DomainError } from '../errors/domain-error';

/** A keyset page cursor over rows listed newest first: the last row's creation time and id. */
export interface NewestFirstCursor {
  createdAt: Date;
  id: string;
}

/** The Prisma `where` part of the rows after `cursor` (none: from the newest). */
export function afterCursor(cursor: NewestFirstCursor | undefined) {
  return cursor
    ? {
        OR: [{ createdAt: { lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { lt: cursor.id } }],
      }
    : {};
}

/** Newest first, ties broken by id: the order `afterCursor` pages through. */
export const NEWEST_FIRST = [{ createdAt: 'desc' }, { id: 'desc' }] as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The opaque `nextCursor` clients send back. */
export function encodeNewestFirstCursor(cursor: NewestFirstCursor): string {
  return Buffer.from(`${cursor.createdAt.toISOString()}|${cursor.id}`).toString('base64url');
}

/** 400 `validation_failed` (field `cursor`) for anything `encodeNewestFirstCursor` did not make. */
export function decodeNewestFirstCursor(value: string): NewestFirstCursor {
  const [time, id] = Buffer.from(value, 'base64url').toString().split('|');
  const createdAt = new Date(time ?? '');
  if (!id || !UUID.test(id) || Number.isNaN(createdAt.getTime())) {
    throw DomainError.validation([{ field: 'cursor', message: 'cursor must be a nextCursor value' }]);
  }
  return { createdAt, id };
}

/**
 * Lists one page newest first: `load` is asked for one row more than `limit`, which says whether
 * there is a next page.
 */
export async function newestFirstPage<Row extends NewestFirstCursor, Dto>(
  cursor: string | undefined,
  limit: number,
  load: (after: NewestFirstCursor | undefined, take: number) => Promise<Row[]>,
  toDto: (row: Row) => Dto,
): Promise<{ data: Dto[]; nextCursor: string | null }> {
  const rows = await load(cursor ? decodeNewestFirstCursor(cursor) : undefined, limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    data: page.map(toDto),
    nextCursor: rows.length > limit && last ? encodeNewestFirstCursor(last) : null,
  };
}
