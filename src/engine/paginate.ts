/**
 * `.gino.paginate({ page, perPage })`: one page of a SELECT and the number of rows of all pages,
 * in one statement — the page's LIMIT and OFFSET, and `count(*) OVER ()` beside each row, which
 * PostgreSQL computes over every row the WHERE clause keeps, before LIMIT. Only a page past the
 * last (no rows, so no count beside them) costs a second statement, a plain `count(*)`.
 */
import { InvalidRequestError } from '../errors.js';
import type { Page, PageOptions } from '../sql/executor.js';
import { Func, TextClause } from '../sql/expr.js';
import { Select } from '../sql/select.js';
import { TYPES } from '../types/sqltypes.js';
import type { QueryRunner } from './engine.js';
import { type Loader, toLoader } from './shape.js';

const { INTEGER } = TYPES;

function checkWhole(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidRequestError(`paginate({ ${name} }) takes a whole number from 1, got ${String(value)}`);
  }
  return value;
}

/** The page statement and what reads the count off its rows; every check before any I/O. */
export function pageQuery(
  statement: object,
  loader: unknown,
  options: PageOptions,
): {
  query: Select<unknown, unknown>;
  loader: Loader;
  total: () => number | undefined;
  base: Select<unknown, unknown>;
} {
  const page = checkWhole('page', options?.page);
  const perPage = checkWhole('perPage', options?.perPage);
  if (!(statement instanceof Select)) {
    throw new InvalidRequestError('paginate() pages a SELECT: Model.query, Model.load(...).query, db.select([...])');
  }
  const s = statement.state;
  if (s.limit || s.offset) {
    throw new InvalidRequestError('paginate() sets LIMIT and OFFSET itself: drop limit()/offset() from the query');
  }
  if (s.distinct !== false) {
    throw new InvalidRequestError(
      'paginate() cannot count a DISTINCT query in the same statement: page a subquery of it (query.alias())',
    );
  }
  if (s.orderBy.length === 0) {
    throw new InvalidRequestError(
      'paginate() needs an order: add orderBy(...) (ending with a unique column, e.g. the primary key), or pages may overlap',
    );
  }
  const inner = toLoader(loader);
  if (inner.folds) {
    throw new InvalidRequestError(
      "paginate() counts rows, and this loader folds several joined rows into one object: declare the collection with db.relationship() and load it by name (Model.load('children')), which keeps one row per object",
    );
  }
  const count = new TextClause('count(*) OVER ()', {}, INTEGER).label('gino_total');
  const query = statement
    .withOnlyColumns(...s.columns, count)
    .limit(perPage)
    .offset((page - 1) * perPage);
  let total: number | undefined;
  const wrapped: Loader = {
    isLoader: true,
    prepare(columns, fields, nested) {
      const prepared = inner.prepare(columns.slice(0, -1), fields.slice(0, -1), nested);
      const last = Math.max(columns.length, fields.length) - 1;
      return (row, ctx) => {
        total = row[last] as number;
        return prepared(row, ctx);
      };
    },
  };
  return { query, loader: wrapped, total: () => total, base: statement };
}

/** Run a page: `{ items, total, page, perPage, pages }`. */
export async function paginate<R>(
  runner: QueryRunner,
  statement: object,
  loader: unknown,
  options: PageOptions,
  timeout?: number,
): Promise<Page<R>> {
  const { query, loader: wrapped, total, base } = pageQuery(statement, loader, options);
  const items = (await runner.run(query, undefined, 'all', wrapped, timeout)) as R[];
  let count = total();
  if (count === undefined) {
    // No rows: on the first page there are none at all; past the last, count them.
    count =
      options.page === 1
        ? 0
        : Number(
            await runner.run(
              new Select({ columns: [new Func('count', [], INTEGER)], from: [base.alias()] }),
              undefined,
              'scalar',
              null,
              timeout,
            ),
          );
  }
  const { page, perPage } = options;
  return { items, total: count, page, perPage, pages: Math.ceil(count / perPage) };
}
