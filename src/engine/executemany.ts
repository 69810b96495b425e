/**
 * Running one statement with several sets of values (GINO's executemany: `db.status(User.insert(),
 * [row, row])`, `User.insert().gino.all(row, row)`): once per set, atomically — one transaction (a
 * savepoint inside one), or one request where the adapter batches natively. As in GINO, it returns
 * no rows: every method gives null, and `one()` raises `NoResultFound`.
 */
import { InvalidRequestError, NoResultFound } from '../errors.js';
import { Insert } from '../sql/dml.js';
import { TextClause } from '../sql/expr.js';
import type { QueryRunner } from './engine.js';
import type { Mode, Query } from './execute.js';

/** A set of values: a plain object (a row by attribute key, or a text's parameters by name). */
function isValues(value: unknown): value is Readonly<Record<string, unknown>> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Whether `params` given with a statement are sets of values (executemany), not positional parameters. */
export function isValueSets(
  query: Query,
  params: readonly unknown[] | undefined,
): params is readonly Readonly<Record<string, unknown>>[] {
  return typeof query !== 'string' && params !== undefined && params.length > 0 && params.every(isValues);
}

/** The statement once per set of values: an INSERT with that row, a text with those parameters. */
export function statementsFor(query: Query, sets: readonly Readonly<Record<string, unknown>>[]): object[] {
  if (query instanceof Insert) {
    if (query.state.rows.length || query.state.fromSelect) {
      throw new InvalidRequestError(
        'this INSERT has its values already; give several sets of values to an INSERT without values(): User.insert().gino.status(row1, row2)',
      );
    }
    return sets.map((row) => query.values(row));
  }
  if (query instanceof TextClause) return sets.map((params) => new TextClause(query.sql, params, query.type));
  throw new InvalidRequestError(
    'several sets of values (executemany) go with an INSERT or a db.text() statement; other statements carry their values in where() and values()',
  );
}

/** Run `query` once per set of values on `runner`, atomically; nothing is returned, as in GINO. */
export async function runMany(
  runner: QueryRunner,
  query: Query,
  sets: readonly Readonly<Record<string, unknown>>[],
  mode: Mode,
  timeout: number | undefined,
): Promise<null> {
  if (timeout !== undefined) {
    throw new InvalidRequestError(
      'timeout(ms) applies to one statement; run several sets of values with a time limit in db.transaction(), one timed statement each',
    );
  }
  await runner.batch(statementsFor(query, sets));
  if (mode === 'one') {
    throw new NoResultFound(
      'a statement run with several sets of values returns no rows; use status(), or one statement with values([...]).returning()',
    );
  }
  return null;
}
