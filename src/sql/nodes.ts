/**
 * The closed set of SQL nodes — every expression, statement and FROM item — and the one walk over
 * them. `CHILDREN` names each kind's direct children; its type lists every kind, so a new node
 * kind that is not given its children fails to compile. FROM inference and correlation use it (and
 * so does anything else that must see every node), instead of a switch that skips what it forgets.
 */
import { InvalidRequestError } from '../errors.js';
import type { Delete, Insert, Update } from './dml.js';
import {
  type Between,
  type Binary,
  type Bind,
  type Case,
  type Cast,
  type ClauseList,
  type Exists,
  Expr,
  type Func,
  type Grouping,
  type In,
  type Keyword,
  type Label,
  type ScalarSelect,
  type TextClause,
  type Unary,
} from './expr.js';
import type { Select } from './select.js';
import type { Alias, Column, FromItem, Join, Table } from './table.js';

export type ExprNode =
  | Column
  | Bind
  | Keyword
  | Binary
  | Unary
  | Between
  | In
  | ClauseList
  | Func
  | Cast
  | Label
  | TextClause
  | Grouping
  | ScalarSelect
  | Exists
  | Case;
export type StatementNode = Select<unknown, unknown> | Insert<unknown> | Update<unknown> | Delete<unknown>;
export type FromNode = Table | Alias | Join;
/** Every node of the SQL layer. */
export type SqlNode = ExprNode | StatementNode | FromNode;
export type NodeKind = SqlNode['kind'];
export type NodeOf<K extends NodeKind> = Extract<SqlNode, { kind: K }>;

/** Called with each child of a node; values that are not nodes (plain values given to `values()`) are passed too. */
export type Visit = (child: unknown) => void;

function eachValue(row: Readonly<Record<string, unknown>> | undefined, visit: Visit): void {
  if (row) for (const k in row) visit(row[k]);
}

function each(list: readonly unknown[], visit: Visit): void {
  for (let i = 0; i < list.length; i++) visit(list[i]);
}

/**
 * The direct children of each kind of node, in the order SQL renders them, given to `visit` one by
 * one (no array is made: this runs on every compile).
 */
export const CHILDREN: { readonly [K in NodeKind]: (node: NodeOf<K>, visit: Visit) => void } = {
  column: () => undefined,
  bind: () => undefined,
  keyword: () => undefined,
  text: () => undefined,
  binary: (n, visit) => {
    visit(n.left);
    visit(n.right);
  },
  unary: (n, visit) => visit(n.operand),
  between: (n, visit) => {
    visit(n.expr);
    visit(n.low);
    visit(n.high);
  },
  in: (n, visit) => {
    visit(n.expr);
    if (Array.isArray(n.items)) each(n.items, visit);
    else visit(n.items);
  },
  list: (n, visit) => each(n.clauses, visit),
  func: (n, visit) => each(n.args, visit),
  cast: (n, visit) => visit(n.expr),
  label: (n, visit) => visit(n.expr),
  grouping: (n, visit) => visit(n.expr),
  scalarSelect: (n, visit) => visit(n.select),
  exists: (n, visit) => visit(n.select),
  case: (n, visit) => {
    for (const [when, then] of n.whens) {
      visit(when);
      visit(then);
    }
    visit(n.otherwise);
  },
  select: (n, visit) => {
    const s = n.state;
    each(s.columns, visit);
    each(s.from, visit);
    visit(s.where);
    each(s.groupBy, visit);
    visit(s.having);
    each(s.orderBy, visit);
    visit(s.limit);
    visit(s.offset);
    if (Array.isArray(s.distinct)) each(s.distinct, visit);
  },
  insert: (n, visit) => {
    const s = n.state;
    for (const row of s.rows) eachValue(row, visit);
    visit(s.fromSelect?.select);
    eachValue(s.onConflict?.set, visit);
    visit(s.onConflict?.where);
    each(s.returning, visit);
  },
  update: (n, visit) => {
    eachValue(n.state.values, visit);
    visit(n.state.where);
    each(n.state.returning, visit);
  },
  delete: (n, visit) => {
    visit(n.state.where);
    each(n.state.returning, visit);
  },
  table: () => undefined,
  alias: (n, visit) => {
    if (n.of.kind === 'subquery') visit(n.of.select);
  },
  join: (n, visit) => {
    visit(n.left);
    visit(n.right);
    visit(n.on);
  },
};

/**
 * How deep an expression may nest. PostgreSQL parses expressions recursively and PGlite's build
 * fails on about 300 nested NOTs (with an unrelated error), so a deeper tree is refused, with a
 * message, before anything is sent; flat AND/OR lists and IN lists have no such limit.
 */
export const MAX_DEPTH = 200;

/** The error for an expression nested deeper than `MAX_DEPTH`. */
export function tooDeep(): InvalidRequestError {
  return new InvalidRequestError(
    `an expression nested more than ${MAX_DEPTH} levels deep cannot be compiled (PostgreSQL parses expressions recursively, and PGlite fails on deeper ones); ` +
      'build long AND/OR chains flat with db.and(a, b, ...) / db.or(...) or where(a, b, ...), and long value lists with in([...])',
  );
}

/**
 * Append to `out` the tables and aliases whose columns `roots` name, in order of appearance, not
 * looking inside subqueries (a subquery names its own FROM items; what it shares with the
 * enclosing statement is decided by correlation when it is compiled).
 */
export function collectFrom(roots: readonly unknown[], out: FromItem[]): FromItem[] {
  found = out;
  base = undefined;
  depth = 0;
  for (let i = 0; i < roots.length; i++) visitFrom(roots[i]);
  return out;
}

/**
 * `listed` and the FROM items the roots `a` ... `e` (expressions or lists of them) name besides:
 * `listed` itself, unchanged, when they name nothing new, else a new list. For every SELECT the
 * compiler renders: in the common case no array is made.
 */
export function fromsBeyond(
  listed: readonly FromItem[],
  a: unknown,
  b?: unknown,
  c?: unknown,
  d?: unknown,
  e?: unknown,
): readonly FromItem[] {
  found = listed as FromItem[];
  base = listed;
  depth = 0;
  visitFrom(a);
  visitFrom(b);
  visitFrom(c);
  visitFrom(d);
  visitFrom(e);
  return found;
}

// The walk's state lives here rather than in a closure made per call: FROM inference runs on every
// compile. A walk never starts another (it calls no code of the caller's), so one set of state serves.
let found: FromItem[] = [];
/** The list `found` started as when it must not change: copied on the first new item. */
let base: readonly FromItem[] | undefined;
let depth = 0;

function visitFrom(child: unknown): void {
  // Lists of expressions (GROUP BY, ORDER BY) are walked item by item.
  if (Array.isArray(child)) {
    for (let i = 0; i < child.length; i++) visitFrom(child[i]);
    return;
  }
  // Only expressions are looked into: a statement is a scope of its own, and a plain value has no columns.
  if (!(child instanceof Expr)) return;
  const node = child as ExprNode;
  if (node.kind === 'column') {
    if (found.includes(node.table)) return;
    if (found === base) found = [...base];
    found.push(node.table);
    return;
  }
  // Values have no children: the commonest leaf, answered without a call.
  if (node.kind === 'bind') return;
  // The walk counts fewer levels than the compiler does, so it only refuses what the compiler would.
  if (++depth > MAX_DEPTH) throw tooDeep();
  (CHILDREN[node.kind] as (n: SqlNode, visit: Visit) => void)(node, visitFrom);
  depth--;
}

/** The tables a list of expressions reads when no FROM was given: those of its columns, in order. */
export function inferFrom(exprs: readonly Expr[]): FromItem[] {
  return collectFrom(exprs, []);
}

/** Whether FROM item `item` is, or joins, `f`. */
export function covers(item: FromItem, f: FromItem): boolean {
  return item === f || (item.kind === 'join' && (covers(item.left, f) || covers(item.right, f)));
}
