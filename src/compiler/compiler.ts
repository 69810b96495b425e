/**
 * The PostgreSQL compiler: one visitor over every node kind, emitting `$n` parameters for every
 * value and quoting identifiers through `quote.ts`.
 */
import { InvalidRequestError } from '../errors.js';
import type { Delete, Insert, OnConflict, Update } from '../sql/dml.js';
import {
  type Between,
  type Binary,
  type Bind,
  type Cast,
  type ClauseList,
  type Exists,
  type Expr,
  type ExprKind,
  type Func,
  type Grouping,
  type In,
  isExpr,
  Keyword,
  type Label,
  type ScalarSelect,
  type SelectLike,
  type TextClause,
  type Unary,
} from '../sql/expr.js';
import type { Alias, Column, FromItem, Join, Table } from '../sql/schema.js';
import { inferFrom, resultKey, type Select } from '../sql/select.js';
import { NULLTYPE, type SqlType } from '../types/sqltypes.js';
import { quoteIdentifier, quoteQualified, renderLiteral } from './quote.js';

/** A result column: the key rows use, its type, and the expression it came from. */
export interface ResultColumn {
  key: string;
  type: SqlType;
  expr: Expr;
}

/** What the engine runs: SQL, raw parameter values with their types, and the result columns. */
export interface CompiledQuery {
  sql: string;
  params: unknown[];
  /** The SQL type of each parameter (serialises it), and a label naming it in errors. */
  paramTypes: SqlType[];
  paramLabels: (string | undefined)[];
  columns: ResultColumn[];
}

const PRECEDENCE: Record<string, number> = {
  OR: 1,
  AND: 2,
  NOT: 3,
  '=': 5,
  '!=': 5,
  '<>': 5,
  '<': 5,
  '>': 5,
  '<=': 5,
  '>=': 5,
  LIKE: 5,
  ILIKE: 5,
  'NOT LIKE': 5,
  'NOT ILIKE': 5,
  IS: 5,
  '||': 7,
  '+': 7,
  '-': 7,
  '*': 8,
  '/': 8,
  '%': 8,
};

const NO_PARENS_FUNCS = new Set([
  'current_timestamp',
  'current_date',
  'current_time',
  'localtime',
  'localtimestamp',
  'current_user',
  'session_user',
  'user',
]);

function precedenceOf(e: Expr): number {
  switch (e.kind) {
    case 'binary':
      return PRECEDENCE[(e as Binary).operator] ?? 6;
    case 'list':
      return PRECEDENCE[(e as ClauseList).operator] ?? 0;
    case 'unary': {
      const u = e as Unary;
      if (u.operator === 'NOT') return 3;
      return u.postfix ? 4 : 9;
    }
    case 'between':
    case 'in':
      return 5;
    default:
      return 10;
  }
}

type Visitor = { [K in ExprKind]: (c: Compiler, node: never, ctx: Ctx) => string };

/** How an expression is being rendered. */
interface Ctx {
  /** Column references: `qualified` (users.id) or `bare` (id, in INSERT/SET targets). */
  readonly columns: 'qualified' | 'bare';
  /** Type and label for a bare value met here (from the other side of a comparison). */
  readonly label?: string | undefined;
  readonly orderBy?: boolean;
}

const QUALIFIED: Ctx = { columns: 'qualified' };

function ownerName(owner: Table | Alias): string {
  return owner.kind === 'table' ? quoteQualified(owner.schema, owner.name) : quoteIdentifier(owner.name);
}

function columnLabel(column: Column): string {
  const owner = column.table;
  return `${owner.kind === 'table' ? owner.fullName : owner.name}.${column.key}`;
}

const VISIT: Visitor = {
  column: (_c, node: Column, ctx) =>
    ctx.columns === 'bare' ? quoteIdentifier(node.name) : `${ownerName(node.table)}.${quoteIdentifier(node.name)}`,
  bind: (c, node: Bind, ctx) => c.param(node.value, node.type, ctx.label),
  keyword: (_c, node: Keyword) => node.sql,
  binary: (c, node: Binary, ctx) => {
    const prec = precedenceOf(node);
    const label = node.left.kind === 'column' ? columnLabel(node.left as Column) : undefined;
    const left = c.sub(node.left, prec, false, ctx);
    const right = c.sub(node.right, prec, true, label ? { ...ctx, label } : ctx);
    const op = node.operator === '!=' ? '!=' : node.operator;
    return `${left} ${op} ${right}`;
  },
  unary: (c, node: Unary, ctx) => {
    const prec = precedenceOf(node);
    // `x DESC NULLS LAST`: ordering modifiers chain without parentheses.
    const chained =
      node.operator.startsWith('NULLS') &&
      node.operand.kind === 'unary' &&
      ['ASC', 'DESC'].includes((node.operand as Unary).operator);
    const operand = chained ? c.expr(node.operand, ctx) : c.sub(node.operand, prec, node.postfix, ctx);
    if (node.postfix) return `${operand} ${node.operator}`;
    return node.operator === '-' ? `-${operand}` : `${node.operator} ${operand}`;
  },
  between: (c, node: Between, ctx) => {
    const label = node.expr.kind === 'column' ? columnLabel(node.expr as Column) : undefined;
    const sub = label ? { ...ctx, label } : ctx;
    const expr = c.sub(node.expr, 5, false, ctx);
    return `${expr} ${node.negate ? 'NOT BETWEEN' : 'BETWEEN'} ${c.sub(node.low, 6, true, sub)} AND ${c.sub(node.high, 6, true, sub)}`;
  },
  in: (c, node: In, ctx) => {
    const expr = c.sub(node.expr, 5, false, ctx);
    const op = node.negate ? 'NOT IN' : 'IN';
    if (!Array.isArray(node.items)) return `${expr} ${op} (${c.select(node.items as SelectLike, true)})`;
    const items = node.items as readonly Expr[];
    if (items.length === 0) return node.negate ? '(1 = 1)' : '(1 != 1)';
    const label = node.expr.kind === 'column' ? columnLabel(node.expr as Column) : undefined;
    const sub = label ? { ...ctx, label } : ctx;
    return `${expr} ${op} (${items.map((i) => c.expr(i, sub)).join(', ')})`;
  },
  list: (c, node: ClauseList, ctx) => {
    const prec = precedenceOf(node);
    if (node.clauses.length === 0) return node.operator === 'OR' ? 'false' : 'true';
    const sep = node.operator === ',' ? ', ' : ` ${node.operator} `;
    return node.clauses.map((cl) => c.sub(cl, prec, false, ctx)).join(sep);
  },
  func: (c, node: Func, ctx) => {
    const name = node.name
      .split('.')
      .map((p) => (/^[a-z_][a-z0-9_]*$/i.test(p) ? p : quoteIdentifier(p)))
      .join('.');
    if (node.args.length === 0) {
      if (NO_PARENS_FUNCS.has(node.name.toLowerCase())) return name;
      if (node.name.toLowerCase() === 'count') return 'count(*)';
    }
    return `${name}(${node.args.map((a) => c.expr(a, { columns: ctx.columns })).join(', ')})`;
  },
  cast: (c, node: Cast, ctx) => `CAST(${c.expr(node.expr, ctx)} AS ${node.type.ddl()})`,
  label: (c, node: Label, ctx) => (ctx.orderBy ? quoteIdentifier(node.name) : c.expr(node.expr, ctx)),
  text: (c, node: TextClause) => c.text(node),
  grouping: (c, node: Grouping, ctx) => `(${c.expr(node.expr, ctx)})`,
  scalarSelect: (c, node: ScalarSelect) => `(${c.select(node.select, true)})`,
  exists: (c, node: Exists) => `EXISTS (${c.select(node.select, true)})`,
};

export class Compiler {
  readonly params: unknown[] = [];
  readonly paramTypes: SqlType[] = [];
  readonly paramLabels: (string | undefined)[] = [];
  /** FROM items of enclosing SELECTs, for correlated subqueries. */
  private outer: Set<object>[] = [];

  /** DDL cannot take parameters: values are rendered as literals through `renderLiteral`. */
  constructor(private readonly literalBinds = false) {}

  param(value: unknown, type: SqlType, label: string | undefined): string {
    if (value === undefined) {
      throw new InvalidRequestError(`${label ?? 'a parameter'} is undefined; use null for SQL NULL`);
    }
    if (this.literalBinds) {
      const text = type.serialize(value, label ?? 'a literal');
      return text === null ? 'NULL' : renderLiteral(text);
    }
    this.params.push(value);
    this.paramTypes.push(type);
    this.paramLabels.push(label);
    return `$${this.params.length}`;
  }

  expr(node: Expr, ctx: Ctx = QUALIFIED): string {
    const visit = VISIT[node.kind] as (c: Compiler, n: Expr, ctx: Ctx) => string;
    if (!visit) throw new InvalidRequestError(`cannot compile a ${String(node.kind)} node`);
    return visit(this, node, ctx);
  }

  /** An operand, parenthesised when it binds looser than its parent. */
  sub(node: Expr, parentPrecedence: number, right: boolean, ctx: Ctx): string {
    const out = this.expr(node, ctx);
    const p = precedenceOf(node);
    return p < parentPrecedence || (right && p === parentPrecedence && node.kind !== 'list') ? `(${out})` : out;
  }

  text(node: TextClause): string {
    const { sql, params } = node;
    if (Array.isArray(params)) {
      const base = this.params.length;
      for (const v of params) this.param(v, NULLTYPE, undefined);
      return base === 0 ? sql : sql.replace(/\$(\d+)/g, (_m, n: string) => `$${Number(n) + base}`);
    }
    const named = params as Readonly<Record<string, unknown>>;
    let out = '';
    let i = 0;
    while (i < sql.length) {
      const ch = sql[i] as string;
      if (ch === "'" || ch === '"') {
        const end = sql.indexOf(ch, i + 1);
        const stop = end === -1 ? sql.length : end + 1;
        out += sql.slice(i, stop);
        i = stop;
        continue;
      }
      if (ch === ':' && sql[i + 1] === ':') {
        out += '::';
        i += 2;
        continue;
      }
      if (ch === ':' && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
        let j = i + 1;
        while (j < sql.length && /\w/.test(sql[j] as string)) j++;
        const name = sql.slice(i + 1, j);
        if (!(name in named)) {
          throw new InvalidRequestError(
            `text(): no value given for :${name} (given: ${Object.keys(named).join(', ') || 'none'})`,
          );
        }
        out += this.param(named[name], NULLTYPE, `:${name}`);
        i = j;
        continue;
      }
      out += ch;
      i++;
    }
    return out;
  }

  from(item: FromItem | { kind: 'alias'; of: { kind: 'subquery'; select: object }; name: string }): string {
    switch (item.kind) {
      case 'table':
        return quoteQualified(item.schema, item.name);
      case 'alias': {
        const alias = item as Alias;
        if (alias.of.kind === 'table')
          return `${quoteQualified(alias.of.schema, alias.of.name)} AS ${quoteIdentifier(alias.name)}`;
        return `(${this.select(alias.of.select as SelectLike, true)}) AS ${quoteIdentifier(alias.name)}`;
      }
      case 'join': {
        const join = item as Join;
        // A join on the right (nested loaders) is parenthesised, as SQLAlchemy does.
        const right = join.right.kind === 'join' ? `(${this.from(join.right)})` : this.from(join.right);
        return `${this.from(join.left)} ${join.outer ? 'LEFT OUTER JOIN' : 'JOIN'} ${right} ON ${this.expr(join.on)}`;
      }
    }
  }

  /** A SELECT; nested ones correlate to the FROM items of their enclosing SELECTs. */
  select(node: SelectLike, nested = false, columnsOut?: ResultColumn[]): string {
    const s = (node as Select<unknown, unknown>).state;
    const counters = new Map<string, number>();
    const parts: string[] = [];
    const cols = s.columns.map((e) => {
      const key = resultKey(e, counters);
      columnsOut?.push({ key, type: e.type ?? NULLTYPE, expr: e });
      return e;
    });
    const froms = this.fromList(s, nested);
    this.outer.push(new Set(froms.flatMap(flattenFrom)));
    try {
      const labelsCounter = new Map<string, number>();
      const rendered = cols.map((e) => {
        const out = this.expr(e);
        if (e.kind === 'label') return `${out} AS ${quoteIdentifier((e as Label).name)}`;
        if (e.kind === 'column') return out;
        return `${out} AS ${quoteIdentifier(resultKey(e, labelsCounter))}`;
      });
      let head = 'SELECT ';
      if (s.distinct === true) head += 'DISTINCT ';
      else if (Array.isArray(s.distinct))
        head += `DISTINCT ON (${s.distinct.map((d: Expr) => this.expr(d)).join(', ')}) `;
      parts.push(head + (rendered.length ? rendered.join(', ') : '*'));
      if (froms.length) parts.push(`FROM ${froms.map((f) => this.from(f)).join(', ')}`);
      if (s.where) parts.push(`WHERE ${this.expr(s.where)}`);
      if (s.groupBy.length) parts.push(`GROUP BY ${s.groupBy.map((g) => this.expr(g)).join(', ')}`);
      if (s.having) parts.push(`HAVING ${this.expr(s.having)}`);
      if (s.orderBy.length) {
        const ctx: Ctx = { columns: 'qualified', orderBy: true };
        parts.push(`ORDER BY ${s.orderBy.map((o) => this.expr(o, ctx)).join(', ')}`);
      }
      if (s.limit) parts.push(`LIMIT ${this.expr(s.limit)}`);
      if (s.offset) parts.push(`OFFSET ${this.expr(s.offset)}`);
      if (s.forUpdate) {
        let lock = `FOR ${s.forUpdate.mode}`;
        if (s.forUpdate.of?.length) lock += ` OF ${s.forUpdate.of.map((t) => ownerName(t)).join(', ')}`;
        if (s.forUpdate.nowait) lock += ' NOWAIT';
        else if (s.forUpdate.skipLocked) lock += ' SKIP LOCKED';
        parts.push(lock);
      }
    } finally {
      this.outer.pop();
    }
    return parts.join(' ');
  }

  private fromList(s: Select<unknown, unknown>['state'], nested: boolean): FromItem[] {
    const explicit = s.from;
    const covered = new Set(explicit.flatMap(flattenFrom));
    const inferred = inferFrom([
      ...s.columns,
      ...(s.where ? [s.where] : []),
      ...s.groupBy,
      ...(s.having ? [s.having] : []),
      ...s.orderBy,
    ]).filter((f) => !covered.has(f));
    let extra = inferred;
    if (nested && this.outer.length) {
      const enclosing = this.outer;
      const uncorrelated = inferred.filter((f) => !enclosing.some((set) => set.has(f)));
      // As SQLAlchemy: correlate only when the subquery keeps at least one FROM item of its own.
      if (uncorrelated.length || explicit.length) extra = uncorrelated;
    }
    return [...explicit, ...extra];
  }

  insert(node: Insert<unknown>): string {
    const s = node.state;
    const table = s.table;
    let sql = `INSERT INTO ${quoteQualified(table.schema, table.name)}`;
    if (s.fromSelect) {
      const cols = s.fromSelect.columns.map((k) => quoteIdentifier(table.column(k).name));
      sql += ` (${cols.join(', ')}) ${this.select(s.fromSelect.select)}`;
    } else if (s.rows.length === 0 || (s.rows.length === 1 && insertColumns(table, s.rows).length === 0)) {
      sql += ' DEFAULT VALUES';
    } else {
      const columns = insertColumns(table, s.rows);
      sql += ` (${columns.map((c) => quoteIdentifier(c.name)).join(', ')}) VALUES `;
      sql += s.rows
        .map((row) => `(${columns.map((col) => this.assigned(col, insertValue(col, row))).join(', ')})`)
        .join(', ');
    }
    if (s.onConflict) sql += this.onConflict(table, s.onConflict);
    return sql + this.returning(s.returning);
  }

  private onConflict(table: Table, oc: OnConflict): string {
    let sql = ' ON CONFLICT';
    if (oc.target) {
      sql += Array.isArray(oc.target)
        ? ` (${(oc.target as readonly string[]).map((k) => quoteIdentifier(table.column(k).name)).join(', ')})`
        : ` ON CONSTRAINT ${quoteIdentifier((oc.target as { constraint: string }).constraint)}`;
    }
    if (!oc.set) return `${sql} DO NOTHING`;
    if (!oc.target) throw new InvalidRequestError('ON CONFLICT DO UPDATE needs a conflict target');
    const sets = Object.entries(oc.set).map(([k, v]) => {
      const col = table.column(k);
      return `${quoteIdentifier(col.name)} = ${this.assigned(col, v)}`;
    });
    sql += ` DO UPDATE SET ${sets.join(', ')}`;
    if (oc.where) sql += ` WHERE ${this.expr(oc.where)}`;
    return sql;
  }

  update(node: Update<unknown>): string {
    const s = node.state;
    const table = s.table;
    const entries = Object.entries(s.values);
    if (entries.length === 0) throw new InvalidRequestError(`update of '${table.fullName}' has no values to SET`);
    const sets = entries.map(([k, v]) => {
      const col = table.column(k);
      return `${quoteIdentifier(col.name)}=${this.assigned(col, v)}`;
    });
    let sql = `UPDATE ${quoteQualified(table.schema, table.name)} SET ${sets.join(', ')}`;
    const others = s.where ? inferFrom([s.where]).filter((f) => f !== table) : [];
    if (others.length) sql += ` FROM ${others.map((f) => this.from(f)).join(', ')}`;
    if (s.where) sql += ` WHERE ${this.expr(s.where)}`;
    return sql + this.returning(s.returning);
  }

  delete(node: Delete<unknown>): string {
    const s = node.state;
    const table = s.table;
    let sql = `DELETE FROM ${quoteQualified(table.schema, table.name)}`;
    const others = s.where ? inferFrom([s.where]).filter((f) => f !== table) : [];
    if (others.length) sql += ` USING ${others.map((f) => this.from(f)).join(', ')}`;
    if (s.where) sql += ` WHERE ${this.expr(s.where)}`;
    return sql + this.returning(s.returning);
  }

  /** A value assigned to a column: a parameter of the column's type, or an expression. */
  private assigned(col: Column, value: unknown): string {
    if (isExpr(value)) return this.expr(value, { columns: 'qualified', label: columnLabel(col) });
    if (isSelect(value)) return `(${this.select(value, true)})`;
    return this.param(value, col.type, columnLabel(col));
  }

  returningColumns: ResultColumn[] = [];

  private returning(exprs: readonly Expr[]): string {
    if (exprs.length === 0) return '';
    const counters = new Map<string, number>();
    const rendered = exprs.map((e) => {
      const key = resultKey(e, counters);
      this.returningColumns.push({ key, type: e.type ?? NULLTYPE, expr: e });
      const out = this.expr(e);
      if (e.kind === 'column') return out;
      return `${out} AS ${quoteIdentifier(key)}`;
    });
    return ` RETURNING ${rendered.join(', ')}`;
  }
}

function flattenFrom(item: FromItem): object[] {
  return item.kind === 'join' ? [...flattenFrom(item.left), ...flattenFrom(item.right)] : [item];
}

/** The columns an INSERT names: every key given in any row, plus columns with Python-side defaults. */
function insertColumns(table: Table, rows: readonly Readonly<Record<string, unknown>>[]): Column[] {
  return table.columns.filter((col) => col.options.default !== undefined || rows.some((r) => r[col.key] !== undefined));
}

const DEFAULT_KEYWORD = new Keyword('DEFAULT');

function isSelect(value: unknown): value is SelectLike {
  return value !== null && typeof value === 'object' && (value as { kind?: unknown }).kind === 'select';
}

function insertValue(col: Column, row: Readonly<Record<string, unknown>>): unknown {
  const v = row[col.key];
  if (v !== undefined) return v;
  const d = col.options.default;
  if (d === undefined) return DEFAULT_KEYWORD;
  return typeof d === 'function' ? (d as () => unknown)() : d;
}

/** Compile any statement or expression into SQL, parameters and result columns. */
export function compile(node: object): CompiledQuery {
  const c = new Compiler();
  const columns: ResultColumn[] = [];
  const kind = (node as { kind?: unknown }).kind;
  let sql: string;
  switch (kind) {
    case 'select':
      sql = c.select(node as SelectLike, false, columns);
      break;
    case 'insert':
      sql = c.insert(node as Insert<unknown>);
      break;
    case 'update':
      sql = c.update(node as Update<unknown>);
      break;
    case 'delete':
      sql = c.delete(node as Delete<unknown>);
      break;
    case 'text':
      sql = c.text(node as TextClause);
      break;
    default:
      throw new InvalidRequestError(
        `cannot run ${kind === undefined ? typeof node : `a '${String(kind)}'`} as a statement: pass a select, insert, update, delete, db.text() or a SQL string`,
      );
  }
  return {
    sql,
    params: c.params,
    paramTypes: c.paramTypes,
    paramLabels: c.paramLabels,
    columns: kind === 'select' ? columns : c.returningColumns,
  };
}
