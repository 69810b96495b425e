/**
 * LIMIT and OFFSET that count objects, not joined rows. A loader that folds several rows into one
 * object (`Author.distinct(Author.id).load({ addPost: Post.distinct(Post.id) })`) names the FROM
 * item one of whose rows is one object (`Loader.parent`). With LIMIT or OFFSET, the statement run
 * instead keeps the rows of the page's parents only:
 *
 *   SELECT <columns> FROM <from> WHERE <where> AND (<parent key>) IN (
 *     SELECT <parent key> FROM <from> WHERE <where> GROUP BY <parent key>
 *     ORDER BY <order> LIMIT l OFFSET o)
 *   ORDER BY <order>
 *
 * so `limit(1)` loads one author with all her posts (the WHERE still picks which child rows are
 * joined). PostgreSQL orders the grouped parents by any of the parent's columns (they depend on
 * its primary key); an ORDER BY of other tables' columns has no meaning per parent and is refused.
 * GINO itself applies LIMIT to the joined rows.
 */
import { InvalidRequestError } from '../errors.js';
import { andWhere, ClauseList, cast, type Expr, Func, Grouping, In, ScalarSelect, type Unary } from '../sql/expr.js';
import { collectFrom, covers, fromsBeyond, inferFrom } from '../sql/nodes.js';
import { Select } from '../sql/select.js';
import type { Alias, Column, FromItem, Table } from '../sql/table.js';
import { TYPES } from '../types/sqltypes.js';
import type { Loader } from './shape.js';

const { INTEGER } = TYPES;

const ORDER_MODIFIERS: ReadonlySet<string> = new Set(['ASC', 'DESC', 'NULLS FIRST', 'NULLS LAST']);

/** The FROM item whose rows are the objects `loader` makes, when it folds rows; else undefined. */
export function parentOf(loader: unknown): Table | Alias | undefined {
  if (loader === null || typeof loader !== 'object' || (loader as Loader).isLoader !== true) return undefined;
  return (loader as Loader).parent;
}

function nameOf(parent: Table | Alias): string {
  return parent.kind === 'table' ? parent.name : `${parent.name} (an alias)`;
}

/** The parent's primary key columns (an alias's own columns), or a clear error. */
function keyOf(parent: Table | Alias): readonly Column[] {
  const table = parent.kind === 'table' ? parent : parent.table;
  const key = table ? table.primaryKey.map((c) => (parent.kind === 'table' ? c : (parent.c[c.key] as Column))) : [];
  if (key.length === 0) {
    throw new InvalidRequestError(
      `limit()/offset() with a loader that folds rows into ${nameOf(parent)} objects counts those objects by their primary key, and ${nameOf(parent)} has none: ` +
        'declare a primary key, or load the collection with a declared relationship (db.relationship(), loaded by name), whose rows are one per object',
    );
  }
  return key;
}

/** The column an ORDER BY item sorts by, when it is a bare column (with ASC/DESC/NULLS). */
function bareColumn(e: Expr): Expr {
  let inner = e;
  while (inner.kind === 'unary' && ORDER_MODIFIERS.has((inner as Unary).operator)) inner = (inner as Unary).operand;
  return inner;
}

/** The FROM list the statement reads, as the compiler makes it: explicit items, then those it names besides. */
function fromOf(s: Select<unknown, unknown>['state']): readonly FromItem[] {
  const named = fromsBeyond(inferFrom(s.columns), s.where, s.orderBy, s.distinct);
  const beyond = s.from.length ? named.filter((f) => !s.from.some((e) => covers(e, f))) : named;
  return [...s.from, ...beyond];
}

/**
 * `SELECT <parent key> FROM <from> WHERE <where> GROUP BY <parent key>`: one row per object; when
 * `paged`, with `ORDER BY <the parent's part of the order>` and the page's LIMIT and OFFSET.
 */
function parentKeys(select: Select<unknown, unknown>, parent: Table | Alias, paged: boolean): Select<unknown, unknown> {
  const s = select.state;
  const name = nameOf(parent);
  if (s.groupBy.length || s.having) {
    throw new InvalidRequestError(
      `limit()/offset() with a loader that folds rows into ${name} objects counts those objects, which a GROUP BY or HAVING of the joined rows cannot: ` +
        'page a subquery instead (query.alias()), or load the collection with a declared relationship (db.relationship(), loaded by name)',
    );
  }
  const key = keyOf(parent);
  const from = fromOf(s);
  if (!from.some((f) => covers(f, parent))) {
    throw new InvalidRequestError(
      `limit()/offset() with a loader that folds rows into ${name} objects counts rows of ${name}, which this statement does not select from: ` +
        'select from it (Model.distinct(...).load(...).query builds the FROM), or drop the limit',
    );
  }
  // The parent's order comes first; other tables' columns may follow once the parent's key is in it
  // (they then order the rows within each parent, not the parents).
  const own = (e: Expr) => collectFrom([e], []).every((t) => t === parent);
  let cut = s.orderBy.findIndex((e) => !own(e));
  if (cut === -1) cut = s.orderBy.length;
  else {
    const leading = s.orderBy.slice(0, cut).map(bareColumn);
    if (!key.every((c) => leading.includes(c))) {
      throw new InvalidRequestError(
        `limit()/offset() with a loader that folds rows into ${name} objects counts those objects, so the order is theirs: ` +
          `order by the columns of ${name} (and put its primary key in that order before another table's columns, which then sort the rows within each object), ` +
          'or load the collection with a declared relationship (db.relationship(), loaded by name) and order it there',
      );
    }
  }
  // Counted, the keys need no order.
  const page = paged ? { orderBy: s.orderBy.slice(0, cut), limit: s.limit, offset: s.offset } : {};
  return new Select({ columns: key, from, where: s.where, groupBy: key, ...page });
}

/** `select` as it runs when `loader` shapes its rows: its LIMIT and OFFSET count the loader's objects. */
export function countingParents(select: Select<unknown, unknown>, loader: unknown): Select<unknown, unknown> {
  const s = select.state;
  if (s.limit === undefined && s.offset === undefined) return select;
  const parent = parentOf(loader);
  if (!parent) return select;
  const keys = parentKeys(select, parent, true);
  const key = keys.state.columns;
  const match = new In(key.length === 1 ? (key[0] as Expr) : new Grouping(new ClauseList(',', key)), keys, false);
  return new Select({ ...s, where: andWhere(s.where, [match]), limit: undefined, offset: undefined });
}

/**
 * `(SELECT count(*) FROM (<one row per object>))`: how many objects the statement loads over all
 * pages (for `paginate()`), one value however many rows each object joins.
 */
export function parentCount(select: Select<unknown, unknown>, parent: Table | Alias): Select<unknown, unknown> {
  return new Select({ columns: [new Func('count', [], INTEGER)], from: [parentKeys(select, parent, false).alias()] });
}

/** The count as an integer value for the SELECT list. */
export function parentCountValue(select: Select<unknown, unknown>, parent: Table | Alias): Expr<number> {
  return cast(new ScalarSelect<number>(parentCount(select, parent)), INTEGER) as Expr<number>;
}
