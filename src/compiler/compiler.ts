/**
 * The PostgreSQL compiler: one visitor over every node kind, emitting `$n` parameters for every
 * value and quoting identifiers through `quote.ts`. Operands are parenthesised from one precedence
 * table (PostgreSQL's own order), FROM lists come from the exhaustive node walk (`sql/nodes.ts`),
 * and subqueries correlate to the statements around them as SQLAlchemy's do.
 */
import { InvalidRequestError } from '../errors.js';
import type { Delete, Insert, OnConflict, Update } from '../sql/dml.js';
import type {
  Between,
  Binary,
  Bind,
  Case,
  Cast,
  ClauseList,
  Exists,
  Expr,
  ExprKind,
  Func,
  Grouping,
  In,
  Label,
  ScalarSelect,
  SelectLike,
  TextClause,
  Unary,
} from '../sql/expr.js';
import { isExpr, Keyword } from '../sql/expr.js';
import { covers, fromsBeyond, inferFrom, MAX_DEPTH, tooDeep } from '../sql/nodes.js';
import { resultKeys, type Select } from '../sql/select.js';
import { isSharedList } from '../sql/shared.js';
import type { Alias, Column, FromItem, Join, Table } from '../sql/table.js';
import { NULLTYPE, type SqlType } from '../types/sqltypes.js';
import { type Head, QueryCache, type SharedHead } from './cache.js';
import { quoteIdentifier, quoteQualified, renderLiteral } from './quote.js';
import { classifySql, fragmentLocksRows, mapSqlCode } from './sqltext.js';

/** A result column: the key rows use, its type, and the expression it came from. */
export interface ResultColumn {
  key: string;
  type: SqlType;
  expr: Expr;
}

/**
 * What a statement is: a builder's kind (a function call runs as a `'select'`), `'ddl'` for raw
 * SQL that changes the schema, `'raw'` for any other raw SQL (see `classifySql`).
 */
export type StatementKind = 'select' | 'insert' | 'update' | 'delete' | 'ddl' | 'raw';

/**
 * What the engine runs: SQL, raw parameter values with their types, the result columns, and what
 * the statement does — what read replicas route on and migrations split on.
 */
export interface CompiledQuery {
  sql: string;
  params: unknown[];
  /** The SQL type of each parameter (serialises it), and a label naming it in errors. */
  paramTypes: SqlType[];
  paramLabels: (string | undefined)[];
  columns: readonly ResultColumn[];
  kind: StatementKind;
  /**
   * It may change data or schema: INSERT, UPDATE, DELETE, DDL, and raw SQL unless recognisably
   * read-only. A SELECT built here reads (a function it calls is not looked into: `nextval()`
   * writes, as far as PostgreSQL is concerned, but such a SELECT is `writes: false`).
   */
  writes: boolean;
  /**
   * It takes row locks: a SELECT with `forUpdate()` (in a subquery too, or a locking clause in a
   * `db.text()` fragment), UPDATE and DELETE (the rows they change), INSERT ... ON CONFLICT DO
   * UPDATE (the conflicting row), raw SQL doing any of that or running code it does not show.
   */
  locks: boolean;
}

/**
 * A raw SQL string as the engine runs it: its parameters as given, untyped, no result columns
 * (rows are keyed by the fields the server names), and what it does (`classifySql`).
 */
export function compileRaw(sql: string, params: unknown[] = [], cache?: QueryCache): CompiledQuery {
  const { kind, writes, locks } = cache ? cache.rawClass(sql) : classifySql(sql);
  return { sql, params, paramTypes: [], paramLabels: [], columns: NO_COLUMNS, kind, writes, locks };
}

/**
 * A client-side column default that is a function (`default: () => uuid()`): a parameter whose
 * value is drawn when the statement runs, once per execution — compiling stays pure.
 */
export class ClientDefault {
  constructor(readonly make: () => unknown) {}
}

/** Parameter values with client defaults drawn (a copy only when there is one). */
export function resolveParams(params: readonly unknown[]): readonly unknown[] {
  if (!params.some((p) => p instanceof ClientDefault)) return params;
  return params.map((p) => (p instanceof ClientDefault ? p.make() : p));
}

// ---- precedence -----------------------------------------------------------------------------

/**
 * PostgreSQL's operator precedence, loosest first (the table in "Lexical Structure", 4.1.6):
 * OR, AND, NOT, IS, comparisons, BETWEEN/IN/LIKE, any other operator, + -, * / %, ^, AT, unary
 * minus, then atoms. Raw SQL text is below everything: as an operand it is always parenthesised.
 * ORDER BY modifiers (ASC, NULLS LAST) are not operators and never parenthesise what they modify.
 */
const ORDERING = -10;
const RAW = 0;
const OR = 5;
const AND = 10;
const NOT = 15;
const IS = 20;
const COMPARISON = 30;
const RANGE = 40; // BETWEEN, IN, LIKE, ILIKE, SIMILAR
const OTHER = 50; // any other operator: ||, ->, @>, ...
const ADDITIVE = 60;
const MULTIPLICATIVE = 70;
const EXPONENT = 80;
const UNARY_MINUS = 90;
const ATOM = 100;

/** Levels whose operators do not associate: `a = b = c` is a syntax error, `(a = b) = c` is not. */
const NON_ASSOCIATIVE = new Set([IS, COMPARISON, RANGE]);

const BINARY_PRECEDENCE: Readonly<Record<string, number>> = {
  OR,
  AND,
  'IS DISTINCT FROM': IS,
  'IS NOT DISTINCT FROM': IS,
  '=': COMPARISON,
  '!=': COMPARISON,
  '<>': COMPARISON,
  '<': COMPARISON,
  '>': COMPARISON,
  '<=': COMPARISON,
  '>=': COMPARISON,
  LIKE: RANGE,
  ILIKE: RANGE,
  'NOT LIKE': RANGE,
  'NOT ILIKE': RANGE,
  'SIMILAR TO': RANGE,
  'NOT SIMILAR TO': RANGE,
  '+': ADDITIVE,
  '-': ADDITIVE,
  '*': MULTIPLICATIVE,
  '/': MULTIPLICATIVE,
  '%': MULTIPLICATIVE,
  '^': EXPONENT,
};

const ORDER_MODIFIERS = new Set(['ASC', 'DESC', 'NULLS FIRST', 'NULLS LAST']);

function unaryPrecedence(u: Unary): number {
  if (ORDER_MODIFIERS.has(u.operator)) return ORDERING;
  if (u.operator === 'NOT') return NOT;
  if (u.postfix) return IS;
  return u.operator === '-' || u.operator === '+' ? UNARY_MINUS : OTHER;
}

/** The precedence of every kind of expression: a missing kind fails to compile. */
const PRECEDENCE: { readonly [K in ExprKind]: (node: never) => number } = {
  column: () => ATOM,
  bind: () => ATOM,
  keyword: () => ATOM,
  func: () => ATOM,
  cast: () => ATOM,
  grouping: () => ATOM,
  scalarSelect: () => ATOM,
  exists: () => ATOM,
  case: () => ATOM,
  text: () => RAW,
  label: (n: Label) => precedenceOf(n.expr),
  binary: (n: Binary) => BINARY_PRECEDENCE[n.operator] ?? OTHER,
  unary: (n: Unary) => unaryPrecedence(n),
  between: () => RANGE,
  in: () => RANGE,
  list: (n: ClauseList) => (n.operator === 'AND' ? AND : n.operator === 'OR' ? OR : RAW),
};

function precedenceOf(e: Expr): number {
  // The common atoms first: a property read instead of a call.
  if (e.kind === 'column' || e.kind === 'bind') return ATOM;
  return (PRECEDENCE[e.kind] as (n: Expr) => number)(e);
}

/** Whether an operand at `side` of an operator of precedence `parent` needs parentheses. */
function needsParens(child: number, parent: number, side: 'left' | 'right' | 'only'): boolean {
  if (child !== parent) return child < parent;
  if (parent === AND || parent === OR) return false;
  return NON_ASSOCIATIVE.has(parent) || side === 'right';
}

// ---- parameters and their types -------------------------------------------------------------

/**
 * How much a parameter must say about its own type: `context` (the operator or column around it
 * types it), `typed` (its SQL type must be spelled out: both sides of a comparison are values),
 * `alone` (nothing types it, not even as text: `$1 IS NULL`, `-$1`, `concat($1)`).
 */
type Standing = 'context' | 'typed' | 'alone';

const INT4_MIN = -2147483648;
const INT4_MAX = 2147483647;
const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;

/**
 * The type of an untyped value, as PostgreSQL types a literal: integers as int4 when they fit,
 * else int8, other numbers as float8 (what a JavaScript number is), bigints as int8 (numeric
 * beyond), booleans, Dates as timestamptz, bytes as bytea. Strings and null take their type from
 * where they stand, as a quoted literal does.
 */
function inferredCast(value: unknown, standing: Standing): string {
  switch (typeof value) {
    case 'number':
      if (Number.isInteger(value) && value >= INT4_MIN && value <= INT4_MAX) return '::int4';
      return Number.isSafeInteger(value) ? '::int8' : '::float8';
    case 'bigint':
      return value >= INT8_MIN && value <= INT8_MAX ? '::int8' : '::numeric';
    case 'boolean':
      return '::boolean';
    case 'object':
      if (value instanceof Date) return '::timestamptz';
      if (value instanceof Uint8Array) return '::bytea';
      return standing === 'alone' ? '::text' : '';
    default:
      return standing === 'alone' ? '::text' : '';
  }
}

/** The name of a column type for a cast: no length or precision (a cast to VARCHAR(3) would truncate). */
function castName(type: SqlType): string {
  switch (type.kind) {
    case 'Integer':
      return 'int4';
    case 'SmallInteger':
      return 'int2';
    case 'BigInteger':
      return 'int8';
    case 'Numeric':
      return 'numeric';
    case 'Float':
      return 'float8';
    case 'Real':
      return 'float4';
    case 'Boolean':
      return 'boolean';
    case 'String':
    case 'Unicode':
    case 'Text':
      return 'text';
    case 'UUID':
      return 'uuid';
    case 'Time':
      return 'time';
    case 'Interval':
      return 'interval';
    case 'Date':
      return 'date';
    case 'DateTime':
      return (type as { timezone?: boolean }).timezone ? 'timestamptz' : 'timestamp';
    case 'JSON':
      return 'json';
    case 'JSONB':
      return 'jsonb';
    case 'LargeBinary':
      return 'bytea';
    case 'ARRAY':
      return `${castName((type as unknown as { item: SqlType }).item)}[]`;
    case 'Enum':
      return quoteIdentifier(type.enumName as string);
    default:
      return 'text';
  }
}

/** A type as a cast names it: its DDL, with a user-defined (enum) type's name quoted like any identifier. */
function typeSql(type: SqlType): string {
  if (type.enumName !== undefined) return quoteIdentifier(type.enumName);
  if (type.kind === 'ARRAY') {
    const item = (type as unknown as { item: SqlType }).item;
    if (item.enumName !== undefined) return `${quoteIdentifier(item.enumName)}[]`;
  }
  return type.ddl();
}

/** Functions whose parameters are `"any"`: nothing types a value given to them. */
const ANY_ARGUMENT_FUNCS = new Set([
  'concat',
  'concat_ws',
  'format',
  'json_build_object',
  'jsonb_build_object',
  'json_build_array',
  'jsonb_build_array',
  'to_json',
  'to_jsonb',
  'num_nulls',
  'num_nonnulls',
  'pg_typeof',
]);

/** A scalar subquery, perhaps labelled or parenthesised: `(SELECT ...)` as SQL. */
function isScalarSubquery(e: Expr): boolean {
  let inner = e;
  while (inner.kind === 'label' || inner.kind === 'grouping') inner = (inner as Label | Grouping).expr;
  return inner.kind === 'scalarSelect';
}

/** A bind parameter has no type PostgreSQL could infer from it. */
function isValue(e: Expr): boolean {
  return e.kind === 'bind' || (e.kind === 'keyword' && (e as Keyword).sql === 'NULL');
}

// ---- names ----------------------------------------------------------------------------------

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

/** A function's name as SQL: each dotted part bare when it is a plain word, else quoted. */
function funcNameSql(given: string): string {
  return given
    .split('.')
    .map((p) => (/^[a-z_][a-z0-9_]*$/i.test(p) ? p : quoteIdentifier(p)))
    .join('.');
}

/** How an expression is being rendered. */
interface Ctx {
  /** Column references: `qualified` (users.id) or `bare` (id, in INSERT/SET targets and DDL). */
  readonly columns: 'qualified' | 'bare';
}

const QUALIFIED: Ctx = { columns: 'qualified' };

// ---- the visitor ----------------------------------------------------------------------------

type Visitor = { readonly [K in ExprKind]: (c: Compiler, node: never, ctx: Ctx) => string };

const VISIT: Visitor = {
  column: (c, node: Column, ctx) => (ctx.columns === 'bare' ? c.columnName(node) : c.columnRef(node)),
  bind: (c, node: Bind) => c.bind(node, 'context'),
  keyword: (_c, node: Keyword) => node.sql,
  binary: (c, node: Binary, ctx) => {
    const prec = precedenceOf(node);
    // Two values side by side type each other only as text: typed ones say their type.
    const values = isValue(node.left) && isValue(node.right);
    const left = c.operand(node.left, prec, 'left', ctx, values ? 'typed' : 'context');
    // A value compared with a column is named after it in errors (saved and restored by hand: no closure per node).
    const outer = c.label;
    if (node.left.kind === 'column') c.label = c.columnLabel(node.left as Column);
    const right = c.operand(node.right, prec, 'right', ctx, values ? 'typed' : 'context');
    c.label = outer;
    return `${left} ${node.operator} ${right}`;
  },
  unary: (c, node: Unary, ctx) => {
    const prec = precedenceOf(node);
    if (prec === ORDERING) return `${c.expr(node.operand, ctx)} ${node.operator}`;
    if (node.postfix) {
      // `(a = b) IS NULL`: the operand is parenthesised whenever it is an operator expression.
      const operand = c.operand(node.operand, RANGE + 1, 'only', ctx, 'alone');
      return `${operand} ${node.operator}`;
    }
    const operand = c.operand(node.operand, prec, 'only', ctx, node.operator === 'NOT' ? 'context' : 'alone');
    // `--x` would start a comment.
    if (node.operator === '-' || node.operator === '+') {
      return operand.startsWith('-') || operand.startsWith('+')
        ? `${node.operator}(${operand})`
        : `${node.operator}${operand}`;
    }
    return `${node.operator} ${operand}`;
  },
  between: (c, node: Between, ctx) => {
    const standing: Standing = isValue(node.expr) ? 'typed' : 'context';
    const expr = c.operand(node.expr, RANGE, 'left', ctx, standing);
    const bound = (e: Expr) => c.operand(e, RANGE + 1, 'only', ctx, standing);
    const range = () => `${bound(node.low)} AND ${bound(node.high)}`;
    const bounds = node.expr.kind === 'column' ? c.labelled(c.columnLabel(node.expr as Column), range) : range();
    return `${expr} ${node.negate ? 'NOT BETWEEN' : 'BETWEEN'} ${bounds}`;
  },
  in: (c, node: In, ctx) => {
    const op = node.negate ? 'NOT IN' : 'IN';
    if (!Array.isArray(node.items)) {
      const expr = c.operand(node.expr, RANGE, 'left', ctx, 'typed');
      return `${expr} ${op} (${c.select(node.items as SelectLike, true)})`;
    }
    const items = node.items as readonly Expr[];
    // `x IN ()` is false for every x, NULL included (nothing to equal); `x` is not rendered at all.
    if (items.length === 0) return node.negate ? '(1 = 1)' : '(1 != 1)';
    const standing: Standing = isValue(node.expr) ? 'typed' : 'context';
    const expr = c.operand(node.expr, RANGE, 'left', ctx, standing);
    // `x IN ((SELECT ...))` would be read as IN over the subquery's rows (no row: false, not NULL):
    // a lone scalar subquery is the one value of a one-row SELECT instead.
    if (items.length === 1 && isScalarSubquery(items[0] as Expr)) {
      return `${expr} ${op} (SELECT ${c.expr(items[0] as Expr, ctx)})`;
    }
    const list = () => items.map((i) => c.operand(i, RAW, 'only', ctx, standing)).join(', ');
    return `${expr} ${op} (${node.expr.kind === 'column' ? c.labelled(c.columnLabel(node.expr as Column), list) : list()})`;
  },
  list: (c, node: ClauseList, ctx) => {
    if (node.clauses.length === 0) return node.operator === 'OR' ? 'false' : 'true';
    const prec = precedenceOf(node);
    if (node.operator === ',') return node.clauses.map((cl) => c.operand(cl, RAW, 'only', ctx, 'context')).join(', ');
    return node.clauses.map((cl) => c.operand(cl, prec, 'left', ctx, 'context')).join(` ${node.operator} `);
  },
  func: (c, node: Func, ctx) => {
    const name = c.funcName(node.name);
    const lower = node.name.toLowerCase();
    if (node.args.length === 0) {
      if (NO_PARENS_FUNCS.has(lower)) return name;
      if (lower === 'count') return 'count(*)';
    }
    const standing: Standing = ANY_ARGUMENT_FUNCS.has(lower) ? 'alone' : 'context';
    // Arguments are not compared with anything: their values carry no column's name.
    const args = c.labelled(undefined, () =>
      node.args.map((a) => (a.kind === 'bind' ? c.bind(a as Bind, standing) : c.expr(a, ctx))).join(', '),
    );
    return `${name}(${args})`;
  },
  cast: (c, node: Cast, ctx) => `CAST(${c.operand(node.expr, RAW, 'only', ctx, 'context')} AS ${typeSql(node.type)})`,
  label: (c, node: Label, ctx) => c.expr(node.expr, ctx),
  text: (c, node: TextClause) => c.text(node),
  grouping: (c, node: Grouping, ctx) => `(${c.operand(node.expr, RAW, 'only', ctx, 'context')})`,
  scalarSelect: (c, node: ScalarSelect) => `(${c.select(node.select, true)})`,
  exists: (c, node: Exists) => `EXISTS (${c.select(node.select, true)})`,
  case: (c, node: Case, ctx) => {
    // Results that are all values type each other only as text: typed ones say their type.
    const results = [...node.whens.map((w) => w[1]), ...(node.otherwise ? [node.otherwise] : [])];
    const standing: Standing = results.every(isValue) ? 'typed' : 'context';
    let sql = 'CASE';
    for (const [when, then] of node.whens) {
      sql += ` WHEN ${c.operand(when, RAW, 'only', ctx, 'context')} THEN ${c.operand(then, RAW, 'only', ctx, standing)}`;
    }
    if (node.otherwise) sql += ` ELSE ${c.operand(node.otherwise, RAW, 'only', ctx, standing)}`;
    return `${sql} END`;
  },
};

const NO_COLUMNS: readonly ResultColumn[] = Object.freeze([]);
const DEFAULT_KEYWORD = new Keyword('DEFAULT');

/**
 * The FROM items of the statements being rendered, innermost first: what a subquery may correlate
 * to. A linked list rather than an array: a statement enters one or two scopes, and an array's
 * first push allocates room for 17 (152 bytes, on every compile).
 */
interface Scope {
  readonly froms: readonly FromItem[];
  readonly outer: Scope | undefined;
}

/** `$1` ... `$64`, made once: a statement's placeholders are not strings built per compile. */
const PLACEHOLDERS = Array.from({ length: 65 }, (_, n) => `$${n}`);

/** No parameters yet (frozen: never pushed to); a compile that has none returns new empty lists, the caller's. */
const NO_PARAMS: never[] = Object.freeze([]) as never[];

export class Compiler {
  /**
   * The parameters so far, with their types and labels. Each list is made at the first parameter
   * as a one-item literal (56 bytes), and at the second as a two-item one, rather than grown from
   * empty by pushes (V8 then makes room for 17 items: 184 bytes, three times per compile); most
   * statements have one or two parameters.
   */
  params: unknown[] = NO_PARAMS;
  paramTypes: SqlType[] = NO_PARAMS;
  paramLabels: (string | undefined)[] = NO_PARAMS;
  /** The name errors give a bare value met now (the column it is compared with or assigned to). */
  label: string | undefined;
  /** FROM items of enclosing statements, for correlated subqueries. */
  private scope: Scope | undefined;
  /** SELECTs compiled so far: a list that contains one is not shared. */
  private selects = 0;
  /** Some SELECT rendered so far locks rows (`FOR UPDATE`, ...), or a raw fragment does. */
  locking = false;
  /** Anonymous aliases named so far in this compile, and how many of each stem. */
  private anonymous: Map<Alias, string> | undefined;
  private stems: Map<string, number> | undefined;
  private depth = 0;

  /**
   * `cache` keeps what this compile derives from objects that never change (see `cache.ts`). DDL
   * cannot take parameters: with `literalBinds`, values are rendered as literals through `renderLiteral`.
   */
  constructor(
    readonly cache: QueryCache = new QueryCache(),
    private readonly literalBinds = false,
  ) {}

  /** A table's or named alias's SQL name, rendered once. */
  namedOwner(owner: Table | Alias): string {
    let sql = this.cache.ownerSql.get(owner);
    if (sql === undefined) {
      sql = owner.kind === 'table' ? quoteQualified(owner.schema, owner.name) : quoteIdentifier(owner.name);
      this.cache.ownerSql.set(owner, sql);
    }
    return sql;
  }

  /** A column's own name, quoted as needed (INSERT and SET targets, DDL), rendered once. */
  columnName(column: Column): string {
    let sql = this.cache.columnNames.get(column);
    if (sql === undefined) {
      sql = quoteIdentifier(column.name);
      this.cache.columnNames.set(column, sql);
    }
    return sql;
  }

  /** How error messages name a value meant for this column: `users.nickname`. */
  columnLabel(column: Column): string {
    let label = this.cache.columnLabels.get(column);
    if (label === undefined) {
      const owner = column.table;
      label = `${owner.kind === 'table' ? owner.fullName : owner.name}.${column.key}`;
      this.cache.columnLabels.set(column, label);
    }
    return label;
  }

  funcName(given: string): string {
    return this.cache.functionNames.get(given) ?? this.cache.functionNames.set(given, funcNameSql(given));
  }

  /** `[table]`, one frozen list per table: the scope of its UPDATE or DELETE when nothing else is named. */
  private alone(table: Table): readonly FromItem[] {
    let list = this.cache.scopes.get(table);
    if (!list) {
      list = Object.freeze([table]);
      this.cache.scopes.set(table, list);
    }
    return list;
  }

  param(value: unknown, type: SqlType, label: string | undefined): string {
    if (value === undefined) {
      throw new InvalidRequestError(`${label ?? 'a parameter'} is undefined; use null for SQL NULL`);
    }
    if (this.literalBinds) {
      const text = value instanceof ClientDefault ? undefined : type.serialize(value, label ?? 'a literal');
      if (text === undefined) throw new InvalidRequestError('a function default cannot be rendered in DDL');
      return text === null ? 'NULL' : renderLiteral(text);
    }
    const n = this.params.length + 1;
    if (n === 1) {
      this.params = [value];
      this.paramTypes = [type];
      this.paramLabels = [label];
    } else if (n === 2) {
      // A second parameter (an UPDATE's value and its key) remakes the lists at two items: a push would reserve 19.
      this.params = [this.params[0], value];
      this.paramTypes = [this.paramTypes[0] as SqlType, type];
      this.paramLabels = [this.paramLabels[0], label];
    } else {
      this.params.push(value);
      this.paramTypes.push(type);
      this.paramLabels.push(label);
    }
    return n < PLACEHOLDERS.length ? (PLACEHOLDERS[n] as string) : `$${n}`;
  }

  /** A bind parameter, with the cast its standing needs (see `Standing`). */
  bind(node: Bind, standing: Standing): string {
    // An untyped NULL is PostgreSQL's own NULL: typed where it stands, each use on its own. As a
    // parameter, one $n used in two places must have one type ("inconsistent types deduced").
    if (node.value === null && node.type === NULLTYPE) return 'NULL';
    const sql = this.param(node.value, node.type, this.label);
    if (node.type === NULLTYPE) return sql + inferredCast(node.value, standing);
    return standing === 'context' ? sql : `${sql}::${castName(node.type)}`;
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
    const visit = VISIT[node.kind] as ((c: Compiler, n: Expr, ctx: Ctx) => string) | undefined;
    if (!visit) throw new InvalidRequestError(`cannot compile a ${String(node.kind)} node`);
    if (++this.depth > MAX_DEPTH) throw tooDeep();
    const out = visit(this, node, ctx);
    this.depth--;
    return out;
  }

  /** An operand of an operator of precedence `parent`, parenthesised when it binds looser. */
  operand(node: Expr, parent: number, side: 'left' | 'right' | 'only', ctx: Ctx, standing: Standing): string {
    const out = node.kind === 'bind' ? this.bind(node as Bind, standing) : this.expr(node, ctx);
    return needsParens(precedenceOf(node), parent, side) ? `(${out})` : out;
  }

  /** `table.column`, `alias.column`; an anonymous alias's name is this compile's. */
  columnRef(column: Column): string {
    const owner = column.table;
    if (owner.kind === 'alias' && owner.anonymous) return `${this.aliasName(owner)}.${quoteIdentifier(column.name)}`;
    let sql = this.cache.columnSql.get(column);
    if (sql === undefined) {
      sql = `${this.namedOwner(owner)}.${quoteIdentifier(column.name)}`;
      this.cache.columnSql.set(column, sql);
    }
    return sql;
  }

  /** The name of an alias in this statement: its own, or for an anonymous one `<stem>_<n>` in order of appearance. */
  private aliasName(alias: Alias): string {
    if (!alias.anonymous) return this.namedOwner(alias);
    this.anonymous ??= new Map();
    let name = this.anonymous.get(alias);
    if (name === undefined) {
      this.stems ??= new Map();
      const n = (this.stems.get(alias.name) ?? 0) + 1;
      this.stems.set(alias.name, n);
      name = quoteIdentifier(`${alias.name}_${n}`);
      this.anonymous.set(alias, name);
    }
    return name;
  }

  private ownerName(owner: Table | Alias): string {
    return owner.kind === 'alias' && owner.anonymous ? this.aliasName(owner) : this.namedOwner(owner);
  }

  text(node: TextClause): string {
    const { sql, params } = node;
    if (!this.locking && fragmentLocksRows(sql)) this.locking = true;
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

  from(item: FromItem): string {
    switch (item.kind) {
      case 'table':
        return this.namedOwner(item);
      case 'alias': {
        const alias = item as Alias;
        const name = this.aliasName(alias);
        if (alias.of.kind === 'table') return `${quoteQualified(alias.of.schema, alias.of.name)} AS ${name}`;
        return `(${this.select(alias.of.select as SelectLike, true)}) AS ${name}`;
      }
      case 'join': {
        const join = item as Join;
        // A join on the right (nested loaders) is parenthesised, as SQLAlchemy does.
        const right = join.right.kind === 'join' ? `(${this.from(join.right)})` : this.from(join.right);
        return `${this.from(join.left)} ${join.outer ? 'LEFT OUTER JOIN' : 'JOIN'} ${right} ON ${this.expr(join.on)}`;
      }
    }
  }

  /** The kept head of a shared list, if any. */
  private sharedHead(exprs: readonly Expr[]): SharedHead | undefined {
    return isSharedList(exprs) ? this.cache.heads.get(exprs) : undefined;
  }

  /**
   * A result list (SELECT or RETURNING): each expression rendered and keyed as rows will key it.
   * A shared list (`sql/shared.ts`) of plain expressions (no values, no subqueries, no anonymous
   * aliases) is rendered once and kept.
   */
  private head(exprs: readonly Expr[], nested = false): Head {
    const known = this.sharedHead(exprs);
    if (known && !(nested && known.renamed)) return known;
    const params = this.params.length;
    const selects = this.selects;
    const anonymous = this.anonymous?.size ?? 0;
    const keys = resultKeys(exprs);
    const columns: ResultColumn[] = [];
    const rendered: string[] = [];
    let renamed = false;
    for (let i = 0; i < exprs.length; i++) {
      const e = exprs[i] as Expr;
      const key = keys[i] as string;
      columns.push({ key, type: e.type ?? NULLTYPE, expr: e });
      // A value alone in the list says its type (`SELECT $1::int4`): nothing else would.
      const inner = e.kind === 'label' ? (e as Label).expr : e;
      const out = inner.kind === 'bind' ? this.bind(inner as Bind, 'typed') : this.expr(e);
      if (e.kind !== 'column') rendered.push(`${out} AS ${quoteIdentifier(key)}`);
      else if ((e as Column).key === key) rendered.push(out);
      else {
        // Rows are read by position; a subquery's columns are read by name, so there it is renamed.
        renamed = true;
        rendered.push(nested ? `${out} AS ${quoteIdentifier(key)}` : out);
      }
    }
    const head: Head = { list: rendered.join(', '), columns: Object.freeze(columns), renamed };
    if (
      !(nested && renamed) &&
      isSharedList(exprs) &&
      this.params.length === params &&
      this.selects === selects &&
      (this.anonymous?.size ?? 0) === anonymous &&
      !this.literalBinds
    ) {
      this.cache.heads.set(exprs, { ...head, froms: inferFrom(exprs) });
      this.cache.shareColumns(head.columns);
    }
    return head;
  }

  /** Enter a statement's scope: its FROM items, seen by the subqueries rendered until `leave()`. */
  private enter(froms: readonly FromItem[]): void {
    this.scope = { froms, outer: this.scope };
  }

  private leave(): void {
    this.scope = this.scope?.outer;
  }

  /** A SELECT; nested ones correlate to the FROM items of their enclosing statements. */
  select(node: SelectLike, nested = false): string {
    const s = (node as Select<unknown, unknown>).state;
    this.selects++;
    const known = this.sharedHead(s.columns);
    const shared = known && !(nested && known.renamed) ? known : undefined;
    const froms = this.fromList(s, nested, known?.froms ?? inferFrom(s.columns));
    // A subquery's values are not the enclosing comparison's: no label carries into it.
    const outerLabel = this.label;
    this.label = undefined;
    this.enter(froms);
    // A compiler is used once: a throw abandons it, so nothing here needs restoring on the way out.
    // The list is rendered with the statement's own FROM items in scope (subqueries in it correlate).
    const head = shared ?? this.head(s.columns, nested);
    if (!nested) this.selectColumns = head.columns;
    let sql = 'SELECT ';
    if (s.distinct === true) sql += 'DISTINCT ';
    else if (Array.isArray(s.distinct))
      sql += `DISTINCT ON (${s.distinct.map((d: Expr) => this.sortKey(d)).join(', ')}) `;
    sql += head.list || '*';
    if (froms.length) {
      // A derived table in FROM cannot see the other FROM items of its own level: render it outside it.
      const plain = froms.length === 1 && froms[0]?.kind === 'table';
      const own = this.scope;
      if (!plain) this.leave();
      sql += ` FROM ${this.fromSql(froms, shared)}`;
      this.scope = own;
    }
    if (s.where) sql += ` WHERE ${this.expr(s.where)}`;
    if (s.groupBy.length) sql += ` GROUP BY ${s.groupBy.map((g) => this.sortKey(g)).join(', ')}`;
    if (s.having) sql += ` HAVING ${this.expr(s.having)}`;
    if (s.orderBy.length) sql += ` ORDER BY ${s.orderBy.map((o) => this.orderItem(o, s.columns)).join(', ')}`;
    if (s.limit) sql += ` LIMIT ${this.expr(s.limit)}`;
    if (s.offset) sql += ` OFFSET ${this.expr(s.offset)}`;
    if (s.forUpdate) {
      this.locking = true;
      let lock = ` FOR ${s.forUpdate.mode}`;
      if (s.forUpdate.of?.length) lock += ` OF ${s.forUpdate.of.map((t) => this.ownerName(t)).join(', ')}`;
      if (s.forUpdate.nowait) lock += ' NOWAIT';
      else if (s.forUpdate.skipLocked) lock += ' SKIP LOCKED';
      sql += lock;
    }
    this.leave();
    this.label = outerLabel;
    return sql;
  }

  /**
   * One ORDER BY item. A label of the SELECT list, alone (with ASC/DESC/NULLS), is its output
   * name; anywhere else (inside an expression, or not selected) PostgreSQL would read the bare
   * name as an input column, so the labelled expression itself is rendered.
   */
  private orderItem(e: Expr, selected: readonly Expr[]): string {
    if (e.kind === 'unary' && ORDER_MODIFIERS.has((e as Unary).operator)) {
      return `${this.orderItem((e as Unary).operand, selected)} ${(e as Unary).operator}`;
    }
    if (e.kind === 'label' && selected.includes(e)) return quoteIdentifier((e as Label).name);
    return this.sortKey(e);
  }

  /**
   * An ORDER BY, GROUP BY or DISTINCT ON expression. A bare constant there is refused ("non-integer
   * constant", 42601) or, an integer, read as a column position: a constant is cast, so it is an
   * expression like any other.
   */
  private sortKey(e: Expr): string {
    const sql = this.expr(e);
    // A label renders its expression, and parentheses keep a constant a constant: look through both.
    let inner = e;
    while (inner.kind === 'label' || inner.kind === 'grouping') inner = (inner as Label | Grouping).expr;
    if (inner.kind === 'keyword') {
      const word = (inner as Keyword).sql;
      if (word === 'TRUE' || word === 'FALSE') return `${sql}::boolean`;
      if (word === 'NULL') return `${sql}::text`;
    }
    // An untyped null value renders as the keyword NULL (see `bind`).
    if (inner.kind === 'bind' && (inner as Bind).value === null && (inner as Bind).type === NULLTYPE) {
      return `${sql}::text`;
    }
    return sql;
  }

  /** The FROM list: explicit items, then tables the statement names and nothing already covers. */
  private fromList(
    s: Select<unknown, unknown>['state'],
    nested: boolean,
    listed: readonly FromItem[],
  ): readonly FromItem[] {
    const explicit = s.from;
    // The shared list itself when WHERE, GROUP BY, HAVING, ORDER BY and DISTINCT ON name nothing more.
    let inferred = fromsBeyond(listed, s.where, s.groupBy, s.having, s.orderBy, s.distinct);
    if (explicit.length) inferred = inferred.filter((f) => !explicit.some((e) => covers(e, f)));
    if (nested && this.scope && inferred.length) inferred = this.correlated(s.correlate, inferred, explicit);
    return explicit.length ? [...explicit, ...inferred] : inferred;
  }

  /** The inferred FROM items a subquery keeps once correlated to its enclosing statements. */
  private correlated(
    correlation: Select<unknown, unknown>['state']['correlate'],
    inferred: readonly FromItem[],
    explicit: readonly FromItem[],
  ): readonly FromItem[] {
    const enclosing = (f: FromItem) => {
      for (let scope = this.scope; scope; scope = scope.outer) if (scope.froms.some((e) => covers(e, f))) return true;
      return false;
    };
    switch (correlation.mode) {
      case 'none':
        return inferred;
      case 'only':
        return inferred.filter((f) => !(correlation.items.includes(f) && enclosing(f)));
      case 'except':
        return inferred.filter((f) => correlation.items.includes(f) || !enclosing(f));
      case 'auto': {
        // As SQLAlchemy: correlate only when the subquery keeps at least one FROM item of its own.
        const own = inferred.filter((f) => !enclosing(f));
        return own.length || explicit.length ? own : inferred;
      }
    }
  }

  /** The FROM list's SQL; when it is exactly a shared list's tables, rendered once for all. */
  private fromSql(froms: readonly FromItem[], shared: SharedHead | undefined): string {
    if (shared && froms === shared.froms) {
      shared.fromSql ??= froms.every(
        (f) => f.kind === 'table' || ((f as Alias).of.kind === 'table' && !(f as Alias).anonymous),
      )
        ? froms.map((f) => this.from(f)).join(', ')
        : undefined;
      if (shared.fromSql !== undefined) return shared.fromSql;
    }
    return froms.map((f) => this.from(f)).join(', ');
  }

  insert(node: Insert<unknown>): string {
    const s = node.state;
    const table = s.table;
    let sql = `INSERT INTO ${this.namedOwner(table)}`;
    if (s.fromSelect) {
      const cols = s.fromSelect.columns.map((k) => this.columnName(table.column(k)));
      sql += ` (${cols.join(', ')}) ${this.select(s.fromSelect.select)}`;
    } else {
      let columns = insertColumns(table, s.rows);
      if (s.rows.length === 0 || (s.rows.length === 1 && columns.length === 0)) {
        return `${sql} DEFAULT VALUES${this.tail(table, s)}`;
      }
      // Several rows of nothing but defaults: `(first) VALUES (DEFAULT), (DEFAULT)`.
      if (columns.length === 0) columns = table.columns.slice(0, 1);
      sql += ` (${columns.map((c) => this.columnName(c)).join(', ')}) VALUES `;
      sql += s.rows
        .map((row) => `(${columns.map((col) => this.assigned(col, insertValue(col, row))).join(', ')})`)
        .join(', ');
    }
    return sql + this.tail(table, s);
  }

  private tail(table: Table, s: Insert<unknown>['state']): string {
    this.enter(this.alone(table));
    const sql = (s.onConflict ? this.onConflict(table, s.onConflict) : '') + this.returning(s.returning);
    this.leave();
    return sql;
  }

  private onConflict(table: Table, oc: OnConflict): string {
    let sql = ' ON CONFLICT';
    if (oc.target) {
      sql += Array.isArray(oc.target)
        ? ` (${(oc.target as readonly string[]).map((k) => this.columnName(table.column(k))).join(', ')})`
        : ` ON CONSTRAINT ${quoteIdentifier((oc.target as { constraint: string }).constraint)}`;
    }
    if (!oc.set) return `${sql} DO NOTHING`;
    if (!oc.target) throw new InvalidRequestError('ON CONFLICT DO UPDATE needs a conflict target');
    const sets = Object.entries(oc.set).map(([k, v]) => {
      const col = table.column(k);
      return `${this.columnName(col)} = ${this.assigned(col, v)}`;
    });
    sql += ` DO UPDATE SET ${sets.join(', ')}`;
    if (oc.where) sql += ` WHERE ${this.expr(oc.where)}`;
    return sql;
  }

  update(node: Update<unknown>): string {
    const s = node.state;
    const table = s.table;
    const keys = Object.keys(s.values);
    if (keys.length === 0) throw new InvalidRequestError(`update of '${table.fullName}' has no values to SET`);
    const values = keys.map((k) => s.values[k]);
    // The updated table, then the tables SET and WHERE name besides it (UPDATE ... FROM).
    const scope = fromsBeyond(this.alone(table), values, s.where);
    // Subqueries in SET, WHERE and RETURNING correlate to the updated table (and its FROM tables).
    this.enter(scope);
    let sql = `UPDATE ${this.namedOwner(table)} SET `;
    for (let i = 0; i < keys.length; i++) {
      const col = table.column(keys[i] as string);
      sql += `${i ? ', ' : ''}${this.columnName(col)}=${this.assigned(col, values[i])}`;
    }
    if (scope.length > 1) {
      // FROM items are rendered outside the statement's own scope, as a SELECT's are.
      this.leave();
      sql += ` FROM ${scope
        .slice(1)
        .map((f) => this.from(f))
        .join(', ')}`;
      this.enter(scope);
    }
    if (s.where) sql += ` WHERE ${this.expr(s.where)}`;
    sql += this.returning(s.returning);
    this.leave();
    return sql;
  }

  delete(node: Delete<unknown>): string {
    const s = node.state;
    const table = s.table;
    let sql = `DELETE FROM ${this.namedOwner(table)}`;
    // The table rows are deleted from, then the tables WHERE names besides it (DELETE ... USING).
    const scope = fromsBeyond(this.alone(table), s.where);
    if (scope.length > 1) {
      sql += ` USING ${scope
        .slice(1)
        .map((f) => this.from(f))
        .join(', ')}`;
    }
    // Subqueries in WHERE and RETURNING correlate to the table rows are deleted from.
    this.enter(scope);
    if (s.where) sql += ` WHERE ${this.expr(s.where)}`;
    sql += this.returning(s.returning);
    this.leave();
    return sql;
  }

  /** A value assigned to a column: a parameter of the column's type, or an expression. */
  private assigned(col: Column, value: unknown): string {
    if (isExpr(value)) return this.labelled(this.columnLabel(col), () => this.expr(value));
    if (isSelect(value)) return `(${this.select(value, true)})`;
    return this.param(value, col.type, this.columnLabel(col));
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

/** The columns an INSERT names: every key given in any row, plus columns with client-side defaults. */
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

function isSelect(value: unknown): value is SelectLike {
  return value !== null && typeof value === 'object' && (value as { kind?: unknown }).kind === 'select';
}

/** A row's value for a column: given, else its default (a function default is drawn when the statement runs). */
function insertValue(col: Column, row: Readonly<Record<string, unknown>>): unknown {
  const v = row[col.key];
  if (v !== undefined) return v;
  const d = col.options.default;
  if (d === undefined) return DEFAULT_KEYWORD;
  return typeof d === 'function' ? new ClientDefault(d as () => unknown) : d;
}

/** The result columns of a text's declared columns (`db.text(sql).columns(...)`), keys kept distinct. */
function textResultColumns(declared: readonly Column[], cache: QueryCache | undefined): readonly ResultColumn[] {
  const known = cache?.textColumns.get(declared);
  if (known) return known;
  const keys = resultKeys(declared);
  const out = Object.freeze(declared.map((expr, i) => ({ key: keys[i] as string, type: expr.type, expr })));
  cache?.textColumns.set(declared, out);
  return out;
}

/**
 * Compile any statement or expression into SQL, parameters and result columns. `cache` keeps what
 * is derived from objects that never change, for the next compile (the engine passes its own);
 * without one, nothing is kept.
 */
export function compile(node: object, cache?: QueryCache): CompiledQuery {
  const c = new Compiler(cache);
  const kind = (node as { kind?: unknown }).kind;
  let sql: string;
  // What the statement does, as three locals: no object made for it per compile.
  let what: StatementKind;
  let writes = true;
  let locks = true;
  switch (kind) {
    case 'select':
      sql = c.select(node as SelectLike);
      c.resultColumns = c.selectColumns;
      what = 'select';
      writes = false;
      locks = c.locking;
      break;
    case 'insert': {
      sql = c.insert(node as Insert<unknown>);
      const upsert = (node as Insert<unknown>).state.onConflict?.set !== undefined;
      what = 'insert';
      locks = c.locking || upsert;
      break;
    }
    case 'update':
      sql = c.update(node as Update<unknown>);
      what = 'update';
      break;
    case 'delete':
      sql = c.delete(node as Delete<unknown>);
      what = 'delete';
      break;
    case 'text': {
      const text = node as TextClause;
      sql = c.text(text);
      const raw = cache ? cache.rawClass(text.sql) : classifySql(text.sql);
      what = raw.kind;
      writes = raw.writes;
      locks = raw.locks;
      // db.text(...).columns(...): its result columns, by position.
      const declared = (node as { resultColumns?: readonly Column[] }).resultColumns;
      if (declared) c.resultColumns = textResultColumns(declared, cache);
      break;
    }
    default:
      throw new InvalidRequestError(
        `cannot run ${kind === undefined ? typeof node : `a '${String(kind)}'`} as a statement: pass a select, insert, update, delete, db.text() or a SQL string`,
      );
  }
  return {
    sql,
    // The lists are the caller's: a statement without parameters gets new empty ones.
    params: c.params === NO_PARAMS ? [] : c.params,
    paramTypes: c.paramTypes === NO_PARAMS ? [] : c.paramTypes,
    paramLabels: c.paramLabels === NO_PARAMS ? [] : c.paramLabels,
    columns: c.resultColumns,
    kind: what,
    writes,
    locks,
  };
}
