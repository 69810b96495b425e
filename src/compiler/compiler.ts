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
import { collectFrom, inferFrom, resultKey, type Select } from '../sql/select.js';
import { NULLTYPE, type SqlType } from '../types/sqltypes.js';
import { quoteIdentifier, quoteQualified, renderLiteral } from './quote.js';
import { mapSqlCode } from './sqltext.js';

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
  columns: readonly ResultColumn[];
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

const funcNames = new Map<string, string>();

function funcName(given: string): string {
  let name = funcNames.get(given);
  if (name === undefined) {
    name = given
      .split('.')
      .map((p) => (/^[a-z_][a-z0-9_]*$/i.test(p) ? p : quoteIdentifier(p)))
      .join('.');
    if (funcNames.size < 1000) funcNames.set(given, name);
  }
  return name;
}

type Visitor = { [K in ExprKind]: (c: Compiler, node: never, ctx: Ctx) => string };

/** How an expression is being rendered. */
interface Ctx {
  /** Column references: `qualified` (users.id) or `bare` (id, in INSERT/SET targets). */
  readonly columns: 'qualified' | 'bare';
  readonly orderBy?: boolean;
}

const QUALIFIED: Ctx = { columns: 'qualified' };
const ORDER_BY: Ctx = { columns: 'qualified', orderBy: true };

// Tables, aliases and columns never change once built: their SQL and labels are rendered once.
const ownerSql = new WeakMap<Table | Alias, string>();
const columnSql = new WeakMap<Column, string>();
const labels = new WeakMap<Column, string>();

function ownerName(owner: Table | Alias): string {
  let sql = ownerSql.get(owner);
  if (sql === undefined) {
    sql = owner.kind === 'table' ? quoteQualified(owner.schema, owner.name) : quoteIdentifier(owner.name);
    ownerSql.set(owner, sql);
  }
  return sql;
}

function qualifiedColumn(column: Column): string {
  let sql = columnSql.get(column);
  if (sql === undefined) {
    sql = `${ownerName(column.table)}.${quoteIdentifier(column.name)}`;
    columnSql.set(column, sql);
  }
  return sql;
}

/** How error messages name a value meant for this column: `users.nickname`. */
function columnLabel(column: Column): string {
  let label = labels.get(column);
  if (label === undefined) {
    const owner = column.table;
    label = `${owner.kind === 'table' ? owner.fullName : owner.name}.${column.key}`;
    labels.set(column, label);
  }
  return label;
}

const VISIT: Visitor = {
  column: (_c, node: Column, ctx) => (ctx.columns === 'bare' ? quoteIdentifier(node.name) : qualifiedColumn(node)),
  bind: (c, node: Bind) => c.param(node.value, node.type, c.label),
  keyword: (_c, node: Keyword) => node.sql,
  binary: (c, node: Binary, ctx) => {
    const prec = precedenceOf(node);
    // Comparisons do not chain in PostgreSQL: `(a > b) = c` keeps its parentheses.
    const left = c.sub(node.left, prec, prec === 5, ctx);
    // A value compared with a column is named after it in errors.
    const label = node.left.kind === 'column' ? columnLabel(node.left as Column) : c.label;
    const right = c.labelled(label, () => c.sub(node.right, prec, true, ctx));
    return `${left} ${node.operator} ${right}`;
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
    // `--x` would start a comment.
    if (node.operator === '-') return operand.startsWith('-') ? `-(${operand})` : `-${operand}`;
    return `${node.operator} ${operand}`;
  },
  between: (c, node: Between, ctx) => {
    const expr = c.sub(node.expr, 5, false, ctx);
    const range = () => `${c.sub(node.low, 6, true, ctx)} AND ${c.sub(node.high, 6, true, ctx)}`;
    const bounds = node.expr.kind === 'column' ? c.labelled(columnLabel(node.expr as Column), range) : range();
    return `${expr} ${node.negate ? 'NOT BETWEEN' : 'BETWEEN'} ${bounds}`;
  },
  in: (c, node: In, ctx) => {
    const expr = c.sub(node.expr, 5, false, ctx);
    const op = node.negate ? 'NOT IN' : 'IN';
    if (!Array.isArray(node.items)) return `${expr} ${op} (${c.select(node.items as SelectLike, true)})`;
    const items = node.items as readonly Expr[];
    if (items.length === 0) return node.negate ? '(1 = 1)' : '(1 != 1)';
    const list = () => items.map((i) => c.expr(i, ctx)).join(', ');
    return `${expr} ${op} (${node.expr.kind === 'column' ? c.labelled(columnLabel(node.expr as Column), list) : list()})`;
  },
  list: (c, node: ClauseList, ctx) => {
    const prec = precedenceOf(node);
    if (node.clauses.length === 0) return node.operator === 'OR' ? 'false' : 'true';
    const sep = node.operator === ',' ? ', ' : ` ${node.operator} `;
    return node.clauses.map((cl) => c.sub(cl, prec, false, ctx)).join(sep);
  },
  func: (c, node: Func, ctx) => {
    const name = funcName(node.name);
    if (node.args.length === 0) {
      if (NO_PARENS_FUNCS.has(node.name.toLowerCase())) return name;
      if (node.name.toLowerCase() === 'count') return 'count(*)';
    }
    // Arguments are not compared with anything: their values carry no column's name.
    const args = c.labelled(undefined, () => node.args.map((a) => c.expr(a, ctx.orderBy ? QUALIFIED : ctx)).join(', '));
    return `${name}(${args})`;
  },
  cast: (c, node: Cast, ctx) => `CAST(${c.expr(node.expr, ctx)} AS ${node.type.ddl()})`,
  label: (c, node: Label, ctx) => (ctx.orderBy ? quoteIdentifier(node.name) : c.expr(node.expr, ctx)),
  text: (c, node: TextClause) => c.text(node),
  grouping: (c, node: Grouping, ctx) => `(${c.expr(node.expr, ctx)})`,
  scalarSelect: (c, node: ScalarSelect) => `(${c.select(node.select, true)})`,
  exists: (c, node: Exists) => `EXISTS (${c.select(node.select, true)})`,
};

/** What a result list renders to, and the keys and types of the columns it gives. */
interface Head {
  readonly list: string;
  readonly columns: readonly ResultColumn[];
}

/** A shared head also knows the FROM items its list names, in order, and their SQL once rendered. */
interface SharedHead extends Head {
  readonly froms: readonly FromItem[];
  fromSql?: string;
}

/**
 * Frozen result lists (a table's columns, a model's `select(...)`), by identity: statements built
 * from one model share them, so their rendering is shared too, when it holds no value or subquery.
 */
const heads = new WeakMap<readonly Expr[], SharedHead>();

/** The result columns of shared heads: what depends on them alone can be reused across statements. */
const sharedColumns = new WeakSet<readonly ResultColumn[]>();

/** Whether these result columns are shared by every statement with the same result list. */
export function isShared(columns: readonly ResultColumn[]): boolean {
  return sharedColumns.has(columns);
}

/**
 * A compiled statement kept and run again as it is (a baked query): its result columns count as
 * shared, so what is derived from them is derived once, and nothing of it can be changed.
 */
export function bake(compiled: CompiledQuery): CompiledQuery {
  sharedColumns.add(compiled.columns);
  Object.freeze(compiled.params);
  Object.freeze(compiled.paramTypes);
  Object.freeze(compiled.paramLabels);
  return Object.freeze(compiled);
}

const NO_COLUMNS: readonly ResultColumn[] = Object.freeze([]);

export class Compiler {
  readonly params: unknown[] = [];
  readonly paramTypes: SqlType[] = [];
  readonly paramLabels: (string | undefined)[] = [];
  /** The name errors give a bare value met now (the column it is compared with or assigned to). */
  label: string | undefined;
  /** FROM items of enclosing SELECTs, for correlated subqueries. */
  private outer: (readonly FromItem[])[] = [];
  /** SELECTs compiled so far: a list that contains one is not shared. */
  private selects = 0;

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

  /** Render with `label` naming the bare values met meanwhile (a compiler is used once: no restore on throw). */
  labelled(label: string | undefined, render: () => string): string {
    const outer = this.label;
    this.label = label;
    const out = render();
    this.label = outer;
    return out;
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
      return base === 0
        ? sql
        : mapSqlCode(sql, (code) => code.replace(/\$(\d+)/g, (_m, n: string) => `$${Number(n) + base}`));
    }
    const named = params as Readonly<Record<string, unknown>>;
    // `:name` outside literals and comments, but not the `::` of a cast; `\:name` is a literal `:name`.
    return mapSqlCode(sql, (code) =>
      code.replace(/(::)|\\(:)|:([A-Za-z_]\w*)/g, (match, cast?: string, escaped?: string, name = '') => {
        if (cast) return match;
        if (escaped) return escaped;
        if (!(name in named)) {
          throw new InvalidRequestError(
            `text(): no value given for :${name} (given: ${Object.keys(named).join(', ') || 'none'})`,
          );
        }
        return this.param(named[name], NULLTYPE, `:${name}`);
      }),
    );
  }

  from(item: FromItem | { kind: 'alias'; of: { kind: 'subquery'; select: object }; name: string }): string {
    switch (item.kind) {
      case 'table':
        return ownerName(item);
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

  /**
   * A result list (SELECT or RETURNING): each expression rendered and keyed as rows will key it.
   * A list of plain expressions (no values, no subqueries) is rendered once and shared.
   */
  private head(exprs: readonly Expr[]): Head {
    const known = heads.get(exprs);
    if (known) return known;
    const params = this.params.length;
    const selects = this.selects;
    let counters: Map<string, number> | undefined;
    const columns: ResultColumn[] = [];
    const rendered: string[] = [];
    for (const e of exprs) {
      let key: string;
      if (e.kind === 'column') key = (e as Column).key;
      else if (e.kind === 'label') key = (e as Label).name;
      else {
        counters ??= new Map();
        key = resultKey(e, counters);
      }
      columns.push({ key, type: e.type ?? NULLTYPE, expr: e });
      const out = this.expr(e);
      // A label's key is its name; anything else but a column is named by its key.
      rendered.push(e.kind === 'column' ? out : `${out} AS ${quoteIdentifier(key)}`);
    }
    const head: Head = { list: rendered.join(', '), columns: Object.freeze(columns) };
    if (Object.isFrozen(exprs) && this.params.length === params && this.selects === selects && !this.literalBinds) {
      heads.set(exprs, { ...head, froms: inferFrom(exprs) });
      sharedColumns.add(head.columns);
    }
    return head;
  }

  /** A SELECT; nested ones correlate to the FROM items of their enclosing SELECTs. */
  select(node: SelectLike, nested = false): string {
    const s = (node as Select<unknown, unknown>).state;
    this.selects++;
    // The list is rendered with the statement's own FROM items in scope (subqueries in it correlate).
    const shared = heads.get(s.columns);
    const froms = this.fromList(s, nested, shared?.froms ?? inferFrom(s.columns));
    this.outer.push(froms);
    // A subquery's values are not the enclosing comparison's: no label carries into it.
    const outerLabel = this.label;
    this.label = undefined;
    let sql: string;
    try {
      const head = shared ?? this.head(s.columns);
      if (!nested) this.selectColumns = head.columns;
      sql = 'SELECT ';
      if (s.distinct === true) sql += 'DISTINCT ';
      else if (Array.isArray(s.distinct))
        sql += `DISTINCT ON (${s.distinct.map((d: Expr) => this.expr(d)).join(', ')}) `;
      sql += head.list || '*';
      if (froms.length) sql += ` FROM ${this.fromSql(froms, shared)}`;
      if (s.where) sql += ` WHERE ${this.expr(s.where)}`;
      if (s.groupBy.length) sql += ` GROUP BY ${s.groupBy.map((g) => this.expr(g)).join(', ')}`;
      if (s.having) sql += ` HAVING ${this.expr(s.having)}`;
      if (s.orderBy.length) sql += ` ORDER BY ${s.orderBy.map((o) => this.expr(o, ORDER_BY)).join(', ')}`;
      if (s.limit) sql += ` LIMIT ${this.expr(s.limit)}`;
      if (s.offset) sql += ` OFFSET ${this.expr(s.offset)}`;
      if (s.forUpdate) {
        let lock = ` FOR ${s.forUpdate.mode}`;
        if (s.forUpdate.of?.length) lock += ` OF ${s.forUpdate.of.map((t) => ownerName(t)).join(', ')}`;
        if (s.forUpdate.nowait) lock += ' NOWAIT';
        else if (s.forUpdate.skipLocked) lock += ' SKIP LOCKED';
        sql += lock;
      }
    } finally {
      this.outer.pop();
      this.label = outerLabel;
    }
    return sql;
  }

  /** The FROM list: explicit items, then tables the statement names and nothing already covers. */
  private fromList(s: Select<unknown, unknown>['state'], nested: boolean, listed: readonly FromItem[]): FromItem[] {
    const explicit = s.from;
    const found = [...listed];
    collectFrom(s.where, found);
    for (const g of s.groupBy) collectFrom(g, found);
    collectFrom(s.having, found);
    for (const o of s.orderBy) collectFrom(o, found);
    let inferred: FromItem[] = found.length === listed.length ? (listed as FromItem[]) : found;
    if (explicit.length) inferred = inferred.filter((f) => !explicit.some((e) => covers(e, f)));
    if (nested && this.outer.length && inferred.length) {
      const enclosing = this.outer;
      const uncorrelated = inferred.filter((f) => !enclosing.some((froms) => froms.some((e) => covers(e, f))));
      // As SQLAlchemy: correlate only when the subquery keeps at least one FROM item of its own.
      if (uncorrelated.length || explicit.length) inferred = uncorrelated;
    }
    return explicit.length ? [...explicit, ...inferred] : inferred;
  }

  /** The FROM list's SQL; when it is exactly a shared list's tables, rendered once for all. */
  private fromSql(froms: readonly FromItem[], shared: SharedHead | undefined): string {
    if (shared && froms === shared.froms) {
      shared.fromSql ??= froms.every((f) => f.kind === 'table' || (f as Alias).of.kind === 'table')
        ? froms.map((f) => this.from(f)).join(', ')
        : undefined;
      if (shared.fromSql !== undefined) return shared.fromSql;
    }
    return froms.map((f) => this.from(f)).join(', ');
  }

  insert(node: Insert<unknown>): string {
    const s = node.state;
    const table = s.table;
    let sql = `INSERT INTO ${ownerName(table)}`;
    if (s.fromSelect) {
      const cols = s.fromSelect.columns.map((k) => quoteIdentifier(table.column(k).name));
      sql += ` (${cols.join(', ')}) ${this.select(s.fromSelect.select)}`;
    } else {
      let columns = insertColumns(table, s.rows);
      if (s.rows.length === 0 || (s.rows.length === 1 && columns.length === 0)) {
        return `${sql} DEFAULT VALUES${this.tail(table, s)}`;
      }
      // Several rows of nothing but defaults: `(first) VALUES (DEFAULT), (DEFAULT)`.
      if (columns.length === 0) columns = table.columns.slice(0, 1);
      sql += ` (${columns.map((c) => quoteIdentifier(c.name)).join(', ')}) VALUES `;
      sql += s.rows
        .map((row) => `(${columns.map((col) => this.assigned(col, insertValue(col, row))).join(', ')})`)
        .join(', ');
    }
    return sql + this.tail(table, s);
  }

  private tail(table: Table, s: Insert<unknown>['state']): string {
    return (s.onConflict ? this.onConflict(table, s.onConflict) : '') + this.returning(s.returning);
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
    let sql = `UPDATE ${ownerName(table)} SET ${sets.join(', ')}`;
    const others = tablesBesides(table, s.where);
    if (others.length) sql += ` FROM ${others.map((f) => this.from(f)).join(', ')}`;
    if (s.where) sql += ` WHERE ${this.expr(s.where)}`;
    return sql + this.returning(s.returning);
  }

  delete(node: Delete<unknown>): string {
    const s = node.state;
    const table = s.table;
    let sql = `DELETE FROM ${ownerName(table)}`;
    const others = tablesBesides(table, s.where);
    if (others.length) sql += ` USING ${others.map((f) => this.from(f)).join(', ')}`;
    if (s.where) sql += ` WHERE ${this.expr(s.where)}`;
    return sql + this.returning(s.returning);
  }

  /** A value assigned to a column: a parameter of the column's type, or an expression. */
  private assigned(col: Column, value: unknown): string {
    if (isExpr(value)) return this.labelled(columnLabel(col), () => this.expr(value));
    if (isSelect(value)) return `(${this.select(value, true)})`;
    return this.param(value, col.type, columnLabel(col));
  }

  /** The result columns of the statement: its SELECT list, or its RETURNING list. */
  resultColumns: readonly ResultColumn[] = NO_COLUMNS;
  /** The list of the last SELECT rendered outside any other (the statement's, or INSERT ... SELECT's). */
  selectColumns: readonly ResultColumn[] = NO_COLUMNS;

  private returning(exprs: readonly Expr[]): string {
    if (exprs.length === 0) return '';
    const head = this.head(exprs);
    this.resultColumns = head.columns;
    return ` RETURNING ${head.list}`;
  }
}

/** The tables a WHERE clause names besides the statement's own (UPDATE ... FROM, DELETE ... USING). */
function tablesBesides(table: Table, where: Expr | undefined): FromItem[] {
  if (!where) return [];
  const out: FromItem[] = [table];
  collectFrom(where, out);
  return out.slice(1);
}

/** Whether FROM item `item` is, or joins, `f`. */
function covers(item: FromItem, f: FromItem): boolean {
  return item === f || (item.kind === 'join' && (covers(item.left, f) || covers(item.right, f)));
}

/** The columns an INSERT names: every key given in any row, plus columns with Python-side defaults. */
function insertColumns(table: Table, rows: readonly Readonly<Record<string, unknown>>[]): Column[] {
  const out: Column[] = [];
  for (const col of table.columns) {
    if (col.options.default !== undefined) out.push(col);
    else
      for (const r of rows)
        if (r[col.key] !== undefined) {
          out.push(col);
          break;
        }
  }
  return out;
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
  const kind = (node as { kind?: unknown }).kind;
  let sql: string;
  switch (kind) {
    case 'select':
      sql = c.select(node as SelectLike);
      c.resultColumns = c.selectColumns;
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
    columns: c.resultColumns,
  };
}
