import { ColumnTypeEnum, SqlResultSet } from '@prisma/driver-adapter-utils';
import type pg from 'pg';

const PG_CHAR_TYPE = 18;
const PG_TEXT_TYPE = 25;

const charColumnsOfRows = new WeakMap<unknown[], number[]>();

/*
 * The engine's introspection reads catalog columns of the one-byte type "char" (pg_class.relkind,
 * pg_constraint.contype, ...) and expects them as characters, but adapter-pg 7.10 rejects the type.
 * At the pg level such columns are declared text so the adapter accepts them, and remembered by
 * their rows array, which the adapter passes through; restoreCharColumns then types them Character.
 */
export function declareCharColumnsAsText(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  client.query = ((...args: unknown[]) => {
    const last = args.at(-1);
    if (typeof last === 'function') {
      const callback = last as (error: Error | null, result: unknown) => void;
      args[args.length - 1] = (error: Error | null, result: unknown) =>
        callback(error, error ? result : declareInResult(result));
      return query(...args);
    }
    const result = query(...args);
    return result instanceof Promise ? result.then(declareInResult) : result;
  }) as typeof client.query;
}

export function restoreCharColumns(resultSet: SqlResultSet): SqlResultSet {
  for (const index of charColumnsOfRows.get(resultSet.rows) ?? []) {
    resultSet.columnTypes[index] = ColumnTypeEnum.Character;
  }
  return resultSet;
}

function declareInResult(result: unknown): unknown {
  for (const { fields, rows } of (Array.isArray(result) ? result : [result]) as pg.QueryResult[]) {
    const charColumns = fields?.flatMap((field, index) => (field.dataTypeID === PG_CHAR_TYPE ? [index] : []));
    if (!charColumns?.length) continue;
    for (const field of fields) if (field.dataTypeID === PG_CHAR_TYPE) field.dataTypeID = PG_TEXT_TYPE;
    charColumnsOfRows.set(rows, charColumns);
  }
  return result;
}
