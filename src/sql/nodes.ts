/**
 * The closed set of SQL nodes — every expression, statement and FROM item — and the one walk over
 * them. `CHILDREN` names each kind's direct children; its type lists every kind, so a new node
 * kind that is not given its children fails to compile. FROM inference and correlation use it (and
 * so does anything else that must see every node), instead of a switch that skips what it forgets.
 */
import type { Delete, Insert, Update } from './dml.js';
import type {
  Between,
  Binary,
  Bind,
  Case,
  Cast,
  ClauseList,
  Exists,
  Expr,
  Func,
  Grouping,
  In,
  Keyword,
  Label,
  ScalarSelect,
  TextClause,
  Unary,
} from './expr.js';
import type { Alias, Column, FromItem, Join, Table } from './schema.js';
import type { Select } from './select.js';

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

type Children = readonly unknown[];

/** Values that are not nodes (plain JavaScript values given to `values()`) are skipped by `isNode`. */
function valuesOf(rows: readonly Readonly<Record<string, unknown>>[]): unknown[] {
  const out: unknown[] = [];
  for (const row of rows) for (const k in row) out.push(row[k]);
  return out;
}

/** The direct children of each kind of node, in the order SQL renders them. */
export const CHILDREN: { readonly [K in NodeKind]: (node: NodeOf<K>) => Children } = {
  column: () => [],
  bind: () => [],
  keyword: () => [],
  text: () => [],
  binary: (n) => [n.left, n.right],
  unary: (n) => [n.operand],
  between: (n) => [n.expr, n.low, n.high],
  in: (n) => (Array.isArray(n.items) ? [n.expr, ...n.items] : [n.expr, n.items]),
  list: (n) => n.clauses,
  func: (n) => n.args,
  cast: (n) => [n.expr],
  label: (n) => [n.expr],
  grouping: (n) => [n.expr],
  scalarSelect: (n) => [n.select],
  exists: (n) => [n.select],
  case: (n) => [...n.whens.flat(), n.otherwise],
  select: (n) => {
    const s = n.state;
    return [
      ...s.columns,
      ...s.from,
      s.where,
      ...s.groupBy,
      s.having,
      ...s.orderBy,
      s.limit,
      s.offset,
      ...(Array.isArray(s.distinct) ? s.distinct : []),
    ];
  },
  insert: (n) => {
    const s = n.state;
    const conflict = s.onConflict;
    return [
      ...valuesOf(s.rows),
      s.fromSelect?.select,
      ...(conflict?.set ? valuesOf([conflict.set]) : []),
      conflict?.where,
      ...s.returning,
    ];
  },
  update: (n) => [...valuesOf([n.state.values]), n.state.where, ...n.state.returning],
  delete: (n) => [n.state.where, ...n.state.returning],
  table: () => [],
  alias: (n) => (n.of.kind === 'subquery' ? [n.of.select] : []),
  join: (n) => [n.left, n.right, n.on],
};

const KINDS = new Set<string>(Object.keys(CHILDREN));

/** Whether a value is a node of the SQL layer (a value given to `values()` need not be). */
export function isNode(value: unknown): value is SqlNode {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { kind?: unknown }).kind === 'string' &&
    KINDS.has((value as { kind: string }).kind)
  );
}

/** The children of any node. */
export function childrenOf(node: SqlNode): Children {
  return (CHILDREN[node.kind] as (n: SqlNode) => Children)(node);
}

/** Kinds that open a scope of their own: their FROM items and references are not the enclosing one's. */
const STATEMENTS: ReadonlySet<NodeKind> = new Set<NodeKind>(['select', 'insert', 'update', 'delete']);

/**
 * Append to `out` the tables and aliases whose columns `roots` name, in order of appearance, not
 * looking inside subqueries (a subquery names its own FROM items; what it shares with the
 * enclosing statement is decided by correlation when it is compiled). Iterative, so a deep tree
 * reaches the compiler's depth check instead of overflowing the stack here.
 */
export function collectFrom(roots: readonly unknown[], out: FromItem[]): FromItem[] {
  const stack: unknown[] = [];
  for (let i = roots.length - 1; i >= 0; i--) stack.push(roots[i]);
  while (stack.length) {
    const node = stack.pop();
    if (!isNode(node)) continue;
    if (node.kind === 'column') {
      const owner = node.table;
      if (!out.includes(owner)) out.push(owner);
      continue;
    }
    if (STATEMENTS.has(node.kind)) continue;
    const children = childrenOf(node);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return out;
}

/** The tables a list of expressions reads when no FROM was given: those of its columns, in order. */
export function inferFrom(exprs: readonly Expr[]): FromItem[] {
  return collectFrom(exprs, []);
}

/** Whether FROM item `item` is, or joins, `f`. */
export function covers(item: FromItem, f: FromItem): boolean {
  return item === f || (item.kind === 'join' && (covers(item.left, f) || covers(item.right, f)));
}
