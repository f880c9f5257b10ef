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
