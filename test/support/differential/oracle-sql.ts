/**
 * The raw SQL oracle: the AST rendered, independently of gino-edge's compiler, as fully
 * parenthesised SQL with an explicit cast on every parameter (`($1::int4 < $2::float8)`), explicit
 * FROM lists with a fresh alias for every FROM item, and explicit correlation (every column is
 * qualified by the alias of the FROM item it binds to). Run with `db.all(sql, params)`.
 */
import {
  type Chain,
  type Expr,
  enter,
  type LitValue,
  literalType,
  type OrderItem,
  type SqlT,
  type Statement,
  type Sub,
} from './ast.js';
import { bindColumn, type Frame, namedSources, subqueryFrom } from './scope.js';

const CAST: Record<Exclude<SqlT, 'null'>, string> = {
  int4: 'int4',
  int8: 'int8',
  float8: 'float8',
  text: 'text',
  bool: 'boolean',
};

interface NamedFrame extends Frame {
  readonly names: readonly string[];
}

export interface RawQuery {
  sql: string;
  params: unknown[];
}

class Renderer {
  readonly params: unknown[] = [];
  private aliases = 0;

  frame(items: Frame['items']): NamedFrame {
    return { items, names: items.map(() => `t${++this.aliases}`) };
  }

  from(frame: NamedFrame): string {
    return frame.items.map((s, i) => `${s.table} AS ${frame.names[i]}`).join(', ');
  }

  literal(v: LitValue): string {
    const t = literalType(v);
    // An untyped NULL stays PostgreSQL's unknown: its type comes from where it stands.
    if (t === 'null') return 'NULL';
    this.params.push(v);
    return `$${this.params.length}::${CAST[t]}`;
  }

  column(chain: Chain, frames: readonly NamedFrame[], up: number, col: string): string {
    const src = chain[up];
    if (!src) throw new Error(`scope ${up} has no source`);
    const at = bindColumn(src, frames);
    return `${(frames[at.frame] as NamedFrame).names[at.item]}.${col}`;
  }

  expr(e: Expr, chain: Chain, frames: readonly NamedFrame[]): string {
    const r = (x: Expr) => this.expr(x, chain, frames);
    switch (e.k) {
      case 'lit':
        return this.literal(e.v);
      case 'col':
        return this.column(chain, frames, e.up, e.col);
      case 'cmp':
        return `(${r(e.l)} ${e.op} ${r(e.r)})`;
      case 'bool':
        return `(${e.args.map(r).join(e.op === 'and' ? ' AND ' : ' OR ')})`;
      case 'not':
        return `(NOT ${r(e.a)})`;
      case 'isnull':
        return `(${r(e.a)} IS ${e.neg ? 'NOT ' : ''}NULL)`;
      case 'in':
        // The expected semantics: x IN () is false and x NOT IN () true, for every x.
        if (e.items.length === 0) return e.neg ? 'TRUE' : 'FALSE';
        // `x IN ((SELECT ...))` is an IN over the subquery's rows: one item is written as `=` instead.
        if (e.items.length === 1) {
          const eq = `(${r(e.a)} = ${r(e.items[0] as Expr)})`;
          return e.neg ? `(NOT ${eq})` : eq;
        }
        return `(${r(e.a)} ${e.neg ? 'NOT IN' : 'IN'} (${e.items.map(r).join(', ')}))`;
      case 'inSub':
        return `(${r(e.a)} ${e.neg ? 'NOT IN' : 'IN'} (${this.sub(e.sub, chain, frames)}))`;
      case 'between':
        return `(${r(e.a)} ${e.neg ? 'NOT BETWEEN' : 'BETWEEN'} ${r(e.lo)} AND ${r(e.hi)})`;
      case 'like':
        return `(${r(e.a)} ${e.op} ${r(e.pat)})`;
      case 'arith':
        return `(${r(e.l)} ${e.op} ${r(e.r)})`;
      case 'neg':
        return `(- ${r(e.a)})`;
      case 'concat':
        return `(${r(e.l)} || ${r(e.r)})`;
      case 'fn':
        return `${e.name}(${e.args.map(r).join(', ')})`;
      case 'text':
        return r(e.inner);
      case 'exists':
        return `(EXISTS (${this.sub(e.sub, chain, frames)}))`;
      case 'scalar':
        return `(${this.sub(e.sub, chain, frames)})`;
      case 'label':
        return r(e.a);
    }
  }

  sub(sub: Sub, chain: Chain, frames: readonly NamedFrame[]): string {
    const frame = this.frame(subqueryFrom(sub, chain, frames));
    const inner = enter(chain, sub);
    const all = [frame, ...frames];
    const own = this.column(inner, all, 0, sub.out.col);
    const out = sub.out.k === 'agg' ? `${sub.out.fn}(${own})` : own;
    let sql = `SELECT ${out} FROM ${this.from(frame)}`;
    if (sub.where) sql += ` WHERE ${this.expr(sub.where, inner, all)}`;
    if (sub.out.k === 'col' && sub.out.limit1) sql += ` ORDER BY ${this.column(inner, all, 0, 'id')} LIMIT 1`;
    return sql;
  }

  order(item: OrderItem, chain: Chain, frames: readonly NamedFrame[]): string {
    let sql = this.expr(item.e, chain, frames);
    // A bare constant is a "non-integer constant in ORDER BY" (42601): the same constant, cast, is an expression.
    if (sql === 'NULL') sql = 'NULL::text';
    else if (sql === 'TRUE' || sql === 'FALSE') sql = `${sql}::boolean`;
    if (item.dir) sql += ` ${item.dir.toUpperCase()}`;
    if (item.nulls) sql += ` NULLS ${item.nulls.toUpperCase()}`;
    return sql;
  }
}

/** The oracle's SQL for a statement, with its parameters; result columns are named `id`, `c0`, `c1`, .... */
export function renderStatement(s: Statement): RawQuery {
  const r = new Renderer();
  const sql = render(r, s);
  return { sql, params: r.params };
}

function render(r: Renderer, s: Statement): string {
  if (s.k === 'const') {
    const frames = [r.frame([])];
    return `SELECT ${s.items.map((e, i) => `${r.expr(e, [null], frames)} AS c${i}`).join(', ')}`;
  }
  const T = { table: s.table, alias: null };
  const chain: Chain = [T];
  switch (s.k) {
    case 'predicates':
    case 'values': {
      const exprs = s.k === 'predicates' ? s.preds : s.items.map((i) => i.e);
      const frames = [r.frame(namedSources(exprs, chain, [T]))];
      const id = r.column(chain, frames, 0, 'id');
      const list = exprs.map((e, i) => `${r.expr(e, chain, frames)} AS c${i}`);
      return `SELECT ${[`${id} AS id`, ...list].join(', ')} FROM ${r.from(frames[0] as NamedFrame)} ORDER BY ${id}`;
    }
    case 'query': {
      const frames = [r.frame(namedSources([s.where, ...s.order.map((o) => o.e)], chain, [T]))];
      const id = r.column(chain, frames, 0, 'id');
      let sql = `SELECT ${id} AS id FROM ${r.from(frames[0] as NamedFrame)}`;
      if (s.where) sql += ` WHERE ${r.expr(s.where, chain, frames)}`;
      sql += ` ORDER BY ${[...s.order.map((o) => r.order(o, chain, frames)), id].join(', ')}`;
      if (s.limit !== null) sql += ` LIMIT ${s.limit}`;
      if (s.offset !== null) sql += ` OFFSET ${s.offset}`;
      return sql;
    }
    case 'unanchored': {
      const frame = r.frame(namedSources([s.value, s.where], chain));
      const frames = [frame];
      let sql = `SELECT ${r.expr(s.value, chain, frames)} AS c0`;
      if (frame.items.length) sql += ` FROM ${r.from(frame)}`;
      if (s.where) sql += ` WHERE ${r.expr(s.where, chain, frames)}`;
      return sql;
    }
    case 'delete': {
      const frame = r.frame([T]);
      const frames = [frame];
      let sql = `DELETE FROM ${r.from(frame)}`;
      if (s.where) sql += ` WHERE ${r.expr(s.where, chain, frames)}`;
      return `${sql} RETURNING ${r.column(chain, frames, 0, 'id')} AS id`;
    }
    case 'update': {
      const frame = r.frame([T]);
      const frames = [frame];
      let sql = `UPDATE ${r.from(frame)} SET ${s.col} = ${r.expr(s.value, chain, frames)}`;
      if (s.where) sql += ` WHERE ${r.expr(s.where, chain, frames)}`;
      return `${sql} RETURNING ${r.column(chain, frames, 0, 'id')} AS id, ${r.column(chain, frames, 0, s.col)} AS c0`;
    }
  }
}

/** A text fragment's SQL for gino-edge: `inner` without outer parentheses, named as gino-edge names FROM items. */
export function fragmentSql(inner: Expr, source: { table: string; alias: string | null }): RawQuery {
  const r = new Renderer();
  const name = source.alias ?? source.table;
  const frames: NamedFrame[] = [{ items: [{ table: source.table as 'dt_a', alias: source.alias }], names: [name] }];
  const sql = unwrap(r.expr(inner, [{ table: source.table as 'dt_a', alias: source.alias }], frames));
  // A bare TRUE/FALSE fragment would be a "non-integer constant" where it is an ORDER BY item: cast, it is an expression.
  return { sql: sql === 'TRUE' || sql === 'FALSE' ? `${sql}::boolean` : sql, params: r.params };
}

/** `(a OR b)` → `a OR b`: only when the outer parentheses enclose the whole text. */
function unwrap(sql: string): string {
  if (!sql.startsWith('(') || !sql.endsWith(')')) return sql;
  let depth = 0;
  for (let i = 0; i < sql.length; i++) {
    if (sql[i] === '(') depth++;
    else if (sql[i] === ')') depth--;
    if (depth === 0 && i < sql.length - 1) return sql;
  }
  return sql.slice(1, -1);
}
