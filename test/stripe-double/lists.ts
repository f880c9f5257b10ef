import { invalidValue, noSuchResource } from './api-error';
import type { ParamReader } from './params';
import type { ListObject, StripeObject } from './types';

export const PAGINATION_PARAMS = ['limit', 'starting_after', 'ending_before', 'created'] as const;

/** The `created` filter every Stripe list endpoint accepts: `created=…` or `created[gt]=…`. */
function createdFilter(params: ParamReader): (item: StripeObject) => boolean {
  if (!params.has('created')) return () => true;
  if (typeof params.raw.created === 'string') {
    const exact = params.integer('created');
    return (item) => item.created === exact;
  }
  const range = params.hash('created');
  if (!range) return () => true;
  range.rejectUnknown(['gt', 'gte', 'lt', 'lte']);
  const gt = range.integer('gt');
  const gte = range.integer('gte');
  const lt = range.integer('lt');
  const lte = range.integer('lte');
  return (item) => {
    const created = item.created as number;
    return (
      (gt === undefined || created > gt) &&
      (gte === undefined || created >= gte) &&
      (lt === undefined || created < lt) &&
      (lte === undefined || created <= lte)
    );
  };
}

export interface PageOptions<T> {
  url: string;
  /** Names the resource in "No such …" errors for an unknown cursor. */
  resourceName: string;
  render: (item: T) => T;
  matches?: (item: T) => boolean;
}

/**
 * A page of a newest-first collection with Stripe's cursor semantics: `starting_after` pages
 * towards older objects, `ending_before` towards newer ones, and `has_more` says whether that
 * direction has more. Cursors are positions in the whole collection, so a cursor that the filters
 * exclude still works.
 */
export function paginate<T extends StripeObject>(
  params: ParamReader,
  newestFirst: T[],
  options: PageOptions<T>,
): ListObject<T> {
  const limit = params.integer('limit', { min: 1, max: 100 }) ?? 10;
  const startingAfter = params.string('starting_after');
  const endingBefore = params.string('ending_before');
  if (startingAfter && endingBefore) {
    throw invalidValue(
      'ending_before',
      'You may only specify one of these parameters: starting_after, ending_before.',
    );
  }
  const inCreatedRange = createdFilter(params);
  const matches = (item: T): boolean => inCreatedRange(item) && (options.matches?.(item) ?? true);
  const positionOf = (cursor: string, param: string): number => {
    const index = newestFirst.findIndex((item) => item.id === cursor);
    if (index === -1) throw noSuchResource(options.resourceName, cursor, param, 'param');
    return index;
  };

  let page: T[];
  let hasMore: boolean;
  if (endingBefore) {
    const newer = newestFirst.slice(0, positionOf(endingBefore, 'ending_before')).filter(matches);
    page = newer.slice(-limit);
    hasMore = newer.length > limit;
  } else {
    const start = startingAfter ? positionOf(startingAfter, 'starting_after') + 1 : 0;
    const older = newestFirst.slice(start).filter(matches);
    page = older.slice(0, limit);
    hasMore = older.length > limit;
  }
  return { object: 'list', data: page.map(options.render), has_more: hasMore, url: options.url };
}
