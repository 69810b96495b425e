/**
 * The SQL expression language: immutable, kind-tagged expression nodes with GINO's (SQLAlchemy's)
 * operators as methods. `src/compiler/` renders them; nothing here knows SQL text.
 */
import { InvalidRequestError } from '../errors.js';
import { NULLTYPE, type SqlType, TYPES, typeFactories } from '../types/sqltypes.js';
import { type Executor, extensionOf, type GinoExtension } from './executor.js';

/** A value or an expression of the same JavaScript type. */
export type Operand<T> = T | Expr<T> | Expr<unknown>;

export type ExprKind =
  | 'column'
  | 'bind'
  | 'keyword'
  | 'binary'
  | 'unary'
  | 'between'
  | 'in'
  | 'list'
  | 'func'
  | 'cast'
  | 'label'
  | 'text'
  | 'grouping'
  | 'scalarSelect'
  | 'exists'
  | 'case';

/** Anything that compiles to a SELECT (a statement or a subquery source); duck-typed by `kind`. */
export interface SelectLike {
  readonly kind: 'select';
}

const { BOOLEAN, TEXT } = TYPES;
/** A text[] parameter (a JSON path). */
const TEXT_ARRAY = typeFactories.ARRAY(TEXT);

/** A SQL expression whose values are `T` in JavaScript. */
export abstract class Expr<T = unknown> {
  declare readonly __js: T;
  abstract readonly kind: ExprKind;
  abstract readonly type: SqlType;

  /** `=`; compared with `null` it is `IS NULL`. */
  eq(other: Operand<T> | null): Expr<boolean> {
    return other === null ? new Unary('IS NULL', this, true, BOOLEAN) : compare(this, '=', other);
  }
  /** `<>`; compared with `null` it is `IS NOT NULL`. */
  ne(other: Operand<T> | null): Expr<boolean> {
    return other === null ? new Unary('IS NOT NULL', this, true, BOOLEAN) : compare(this, '!=', other);
  }
  lt(other: Operand<T>): Expr<boolean> {
    return compare(this, '<', other);
  }
  le(other: Operand<T>): Expr<boolean> {
    return compare(this, '<=', other);
  }
  gt(other: Operand<T>): Expr<boolean> {
    return compare(this, '>', other);
  }
  ge(other: Operand<T>): Expr<boolean> {
    return compare(this, '>=', other);
  }
  /** `IN (...)` with a list (each value a parameter) or a subquery. An empty list is false. */
  in(values: readonly Operand<T>[] | SelectLike): Expr<boolean> {
    return new In(this, inItems(this, values), false);
  }
  /** `NOT IN (...)`; an empty list is true. */
  notIn(values: readonly Operand<T>[] | SelectLike): Expr<boolean> {
    return new In(this, inItems(this, values), true);
  }
  like(pattern: Operand<string>): Expr<boolean> {
    return compare(this, 'LIKE', pattern, TEXT);
  }
  ilike(pattern: Operand<string>): Expr<boolean> {
    return compare(this, 'ILIKE', pattern, TEXT);
  }
  notLike(pattern: Operand<string>): Expr<boolean> {
    return compare(this, 'NOT LIKE', pattern, TEXT);
  }
  notIlike(pattern: Operand<string>): Expr<boolean> {
    return compare(this, 'NOT ILIKE', pattern, TEXT);
  }
  isNull(): Expr<boolean> {
    return new Unary('IS NULL', this, true, BOOLEAN);
  }
  isNotNull(): Expr<boolean> {
    return new Unary('IS NOT NULL', this, true, BOOLEAN);
  }
  between(low: Operand<T>, high: Operand<T>): Expr<boolean> {
    return new Between(this, compared(low, this.type), compared(high, this.type), false);
  }
  notBetween(low: Operand<T>, high: Operand<T>): Expr<boolean> {
    return new Between(this, compared(low, this.type), compared(high, this.type), true);
  }
  /** `a || b`. */
  concat(other: Operand<string> | Operand<T>): Expr<string> {
    return new Grouping(new Binary(this, '||', coerce(other, TEXT), TEXT));
  }
  add(other: Operand<T>): Expr<T> {
    return arithmetic(this, isStringType(this.type) ? '||' : '+', other);
  }
  sub(other: Operand<T>): Expr<T> {
    return arithmetic(this, '-', other);
  }
  mul(other: Operand<T>): Expr<T> {
    return arithmetic(this, '*', other);
  }
  div(other: Operand<T>): Expr<T> {
    return arithmetic(this, '/', other);
  }
  /** Unary minus. */
  neg(): Expr<T> {
    return new Unary('-', this, false, this.type) as Expr<T>;
  }
  asc(): Expr<T> {
    return new Unary('ASC', this, true, this.type) as Expr<T>;
  }
  desc(): Expr<T> {
    return new Unary('DESC', this, true, this.type) as Expr<T>;
  }
  nullsFirst(): Expr<T> {
    return new Unary('NULLS FIRST', this, true, this.type) as Expr<T>;
  }
  nullsLast(): Expr<T> {
    return new Unary('NULLS LAST', this, true, this.type) as Expr<T>;
  }
  /**
   * The JSON value at a path, `expr #> '{a,b}'` (SQLAlchemy's `column[('a', 'b')]` on JSON/JSONB);
   * `.astext` is the text there, `expr #>> '{a,b}'`. Keys are object keys or array positions.
   *
   * @example
   * User.query.where(User.profile.path(['address', 'city']).astext.eq('Paris'))
   */
  path(keys: readonly (string | number)[]): JsonPath {
    return new JsonPath(this, keys);
  }
  /** `expr AS name`: the key of this column in result rows. */
  label<N extends string>(name: N): Label<T, N> {
    return new Label<T, N>(this, name);
  }
  /** `CAST(expr AS type)`. */
  cast<U>(type: SqlType<U>): Expr<U> {
    return new Cast<U>(this, type);
  }
  /**
   * A binary operator by name, e.g. `expr.op('@>', value)`: an operator PostgreSQL's grammar allows
   * (symbols, `OPERATOR(schema.op)`, or one of the keyword operators), checked before it reaches SQL.
   */
  op(operator: string, other: unknown, resultType: SqlType = BOOLEAN): Expr<unknown> {
    return new Binary(this, checkOperator(operator), coerce(other, this.type), resultType);
  }
}

const OPERATOR_CHARS = /^[+\-*/<>=~!@#%^&|`?]+$/;
const KEYWORD_OPERATORS = new Set([
  'AND',
  'OR',
  'LIKE',
  'ILIKE',
  'NOT LIKE',
  'NOT ILIKE',
  'SIMILAR TO',
  'NOT SIMILAR TO',
  'IS DISTINCT FROM',
  'IS NOT DISTINCT FROM',
]);

/**
 * `operator` if PostgreSQL's grammar accepts it as an operator name (CREATE OPERATOR's rules: at
 * most 63 of `+ - * / < > = ~ ! @ # % ^ & | \` ?`, no `--` or `/*` anywhere, and a name ending in
 * `+` or `-` must also hold one of `~ ! @ # % ^ & | \` ?`), `OPERATOR(schema.name)`, or a keyword
 * operator; anything else could change the statement, and is refused.
 */
export function checkOperator(operator: string): string {
  const symbolic = (op: string) =>
    op.length > 0 &&
    op.length <= 63 &&
    OPERATOR_CHARS.test(op) &&
    !op.includes('--') &&
    !op.includes('/*') &&
    (op.length === 1 || !/[+-]$/.test(op) || /[~!@#%^&|`?]/.test(op));
  if (typeof operator === 'string') {
    if (symbolic(operator) || KEYWORD_OPERATORS.has(operator)) return operator;
    const qualified = /^OPERATOR\(((?:[a-z_][a-z0-9_]*\.)?)([^()\s]+)\)$/.exec(operator);
    if (qualified && symbolic(qualified[2] as string)) return operator;
  }
  throw new InvalidRequestError(
    `${JSON.stringify(operator)} is not an operator: give a PostgreSQL operator made of + - * / < > = ~ ! @ # % ^ & | \` ? ` +
      `(without -- or /*), OPERATOR(schema.op), or one of ${[...KEYWORD_OPERATORS].join(', ')}`,
  );
}

function isStringType(type: SqlType): boolean {
  return type.kind === 'String' || type.kind === 'Unicode' || type.kind === 'Text';
}

function compare<T>(left: Expr<T>, op: string, right: unknown, rightType?: SqlType): Expr<boolean> {
  return new Binary(left, op, compared(right, rightType ?? left.type), BOOLEAN);
}

function arithmetic<T>(left: Expr<T>, op: string, right: unknown): Expr<T> {
  return new Grouping(new Binary(left, op, compared(right, left.type), left.type)) as Expr<T>;
}

function inItems(left: Expr, values: readonly unknown[] | SelectLike): readonly Expr[] | SelectLike {
  if (Array.isArray(values)) return values.map((v) => compared(v, left.type));
  if ((values as SelectLike).kind === 'select') return values as SelectLike;
  throw new InvalidRequestError('in() and notIn() take an array of values or a select statement');
}

/**
 * A value compared with (or combined with) an expression of type `type`: a parameter of that type,
 * unless it is a number the type cannot hold (`int_col < 1.5`, `int_col = 3000000000`) — valid
 * SQL, compared in the value's own type (an untyped parameter, typed from its JavaScript value).
 */
function compared(value: unknown, type: SqlType): Expr {
  if ((typeof value === 'number' || typeof value === 'bigint') && NUMBER_KINDS.has(type.kind) && !holds(type, value)) {
    return new Bind(value, NULLTYPE);
  }
  return coerce(value, type);
}

/** Number types: a number one of them cannot hold is still comparable with it in SQL. */
const NUMBER_KINDS: ReadonlySet<string> = new Set([
  'Integer',
  'SmallInteger',
  'BigInteger',
  'Numeric',
  'Float',
  'Real',
]);

/** Whether `type` can take `value` as a parameter as it is. */
function holds(type: SqlType, value: unknown): boolean {
  // The common case, answered without serialising: an int4 for an Integer or BigInteger column.
  if (typeof value === 'number' && (value | 0) === value && type.kind !== 'SmallInteger') return true;
  try {
    type.serialize(value, 'a value');
    return true;
  } catch {
    return false;
  }
}

/** True for anything the expression language treats as an expression. */
export function isExpr(value: unknown): value is Expr {
  return value instanceof Expr;
}

/** A value becomes a bind parameter of the given type; expressions and selects pass through. */
export function coerce(value: unknown, type: SqlType = NULLTYPE): Expr {
  if (value instanceof Expr) return value;
  if (value !== null && typeof value === 'object' && (value as { kind?: unknown }).kind === 'select') {
    return new ScalarSelect(value as SelectLike);
  }
  return new Bind(value, type);
}

/** A value sent as a `$n` parameter, serialised by `type`. */
export class Bind<T = unknown> extends Expr<T> {
  readonly kind = 'bind';
  constructor(
    readonly value: unknown,
    readonly type: SqlType,
  ) {
    super();
  }
}

/** A bare SQL keyword: `NULL`, `TRUE`, `FALSE`, `DEFAULT`, `*`. */
export class Keyword<T = unknown> extends Expr<T> {
  readonly kind = 'keyword';
  constructor(
    readonly sql: 'NULL' | 'TRUE' | 'FALSE' | 'DEFAULT' | '*',
    readonly type: SqlType = NULLTYPE,
  ) {
    super();
  }
}

export class Binary<T = unknown> extends Expr<T> {
  readonly kind = 'binary';
  constructor(
    readonly left: Expr,
    readonly operator: string,
    readonly right: Expr,
    readonly type: SqlType,
  ) {
    super();
  }
}

/** `target #> path`: the JSON value at a path of a JSON or JSONB value; `.astext` reads it as text (`#>>`). */
export class JsonPath extends Binary<unknown> {
  constructor(
    readonly target: Expr,
    readonly keys: readonly (string | number)[],
  ) {
    if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string' && typeof k !== 'number')) {
      throw new InvalidRequestError("path() takes a list of object keys and array positions: path(['a', 0, 'b'])");
    }
    super(target, '#>', new Bind(keys.map(String), TEXT_ARRAY), target.type);
  }
  /** The text at the path: `target #>> path`. */
  get astext(): Expr<string> {
    return new Binary<string>(this.target, '#>>', new Bind(this.keys.map(String), TEXT_ARRAY), TEXT);
  }
}

/** Prefix (`NOT x`, `-x`) or postfix (`x IS NULL`, `x DESC`) operators. */
export class Unary<T = unknown> extends Expr<T> {
  readonly kind = 'unary';
  constructor(
    readonly operator: string,
    readonly operand: Expr,
    readonly postfix: boolean,
    readonly type: SqlType,
  ) {
    super();
  }
}

export class Between extends Expr<boolean> {
  readonly kind = 'between';
  readonly type = BOOLEAN;
  constructor(
    readonly expr: Expr,
    readonly low: Expr,
    readonly high: Expr,
    readonly negate: boolean,
  ) {
    super();
  }
}

export class In extends Expr<boolean> {
  readonly kind = 'in';
  readonly type = BOOLEAN;
  constructor(
    readonly expr: Expr,
    readonly items: readonly Expr[] | SelectLike,
    readonly negate: boolean,
  ) {
    super();
  }
}

/** `a AND b AND c`, `a OR b`, or a comma list. */
export class ClauseList<T = unknown> extends Expr<T> {
  readonly kind = 'list';
  constructor(
    readonly operator: 'AND' | 'OR' | ',',
    readonly clauses: readonly Expr[],
    readonly type: SqlType = BOOLEAN,
  ) {
    super();
  }
}

/**
 * A function call; without a label it is named `<name>_<n>` in a SELECT, like GINO's `count_1`.
 * The node is its name, arguments and type; the executor (`db.func` gives its Gino instance) is the
 * builder's, for `.gino`, and the compiler never sees it.
 */
export class Func<T = unknown> extends Expr<T> {
  readonly kind = 'func';
  readonly #executor: Executor | undefined;
  constructor(
    readonly name: string,
    readonly args: readonly Expr[],
    readonly type: SqlType,
    executor?: Executor,
  ) {
    super();
    this.#executor = executor;
  }
  /** Run `SELECT <this call>`: `await db.func.count(User.id).gino.scalar()`. */
  get gino(): GinoExtension<Record<string, T>, T> {
    return extensionOf<Record<string, T>, T>(this.#executor, this, undefined);
  }
}

export class Cast<T = unknown> extends Expr<T> {
  readonly kind = 'cast';
  constructor(
    readonly expr: Expr,
    readonly type: SqlType<T>,
  ) {
    super();
  }
}

/** `expr AS name`; a column's label keeps its table's name `Tb` (for typing rows of outer joins). */
export class Label<T = unknown, N extends string = string, Tb extends string = string> extends Expr<T> {
  readonly kind = 'label';
  /** Phantom: the table of the labelled column. */
  declare readonly __table: Tb;
  readonly type: SqlType;
  constructor(
    readonly expr: Expr<T>,
    readonly name: N,
  ) {
    super();
    this.type = expr.type;
  }
}

/**
 * Raw SQL. `:name` placeholders are filled from `params` as `$n` parameters; `::` casts and
 * quoted text are left alone.
 */
export class TextClause<T = unknown> extends Expr<T> {
  readonly kind = 'text';
  constructor(
    readonly sql: string,
    readonly params: Readonly<Record<string, unknown>> | readonly unknown[] = {},
    readonly type: SqlType = NULLTYPE,
  ) {
    super();
  }
}

/** Parentheses around an expression. */
export class Grouping<T = unknown> extends Expr<T> {
  readonly kind = 'grouping';
  readonly type: SqlType;
  constructor(readonly expr: Expr<T>) {
    super();
    this.type = expr.type;
  }
}

/** A SELECT used as a value: `(SELECT ...)`. */
export class ScalarSelect<T = unknown> extends Expr<T> {
  readonly kind = 'scalarSelect';
  readonly type: SqlType = NULLTYPE;
  constructor(readonly select: SelectLike) {
    super();
  }
}

/** `EXISTS (SELECT ...)`. */
export class Exists extends Expr<boolean> {
  readonly kind = 'exists';
  readonly type = BOOLEAN;
  constructor(readonly select: SelectLike) {
    super();
  }
}

/** `CASE WHEN c1 THEN r1 ... ELSE otherwise END`; its type is the first result's. */
export class Case<T = unknown> extends Expr<T> {
  readonly kind = 'case';
  readonly type: SqlType;
  constructor(
    readonly whens: readonly (readonly [Expr, Expr])[],
    readonly otherwise: Expr | undefined,
  ) {
    super();
    this.type = whens[0]?.[1].type ?? otherwise?.type ?? NULLTYPE;
  }
}

/**
 * `CASE WHEN ... THEN ... ELSE ... END` (SQLAlchemy's `case()`): pairs of a condition and its
 * result; plain values become parameters.
 *
 * @example
 * db.case([[User.id.lt(10), 'founder']], 'member').label('rank')
 */
export function caseOf<T = unknown>(whens: readonly (readonly [unknown, unknown])[], otherwise?: unknown): Case<T> {
  if (!Array.isArray(whens) || whens.length === 0) {
    throw new InvalidRequestError('case() needs at least one [condition, result] pair');
  }
  for (const w of whens) {
    if (!Array.isArray(w) || w.length !== 2) {
      throw new InvalidRequestError('case(): each WHEN is a [condition, result] pair');
    }
  }
  // Plain results take the type of the first result that has one, as a comparison would.
  const typed = whens.find(([, r]) => r instanceof Expr)?.[1] as Expr | undefined;
  const type = typed?.type ?? NULLTYPE;
  const result = (r: unknown) => (r instanceof Expr ? r : compared(r, type));
  return new Case<T>(
    whens.map(([c, r]) => [coerce(c, BOOLEAN), result(r)] as const),
    otherwise === undefined ? undefined : result(otherwise),
  );
}

/** An existing WHERE clause with more conditions ANDed on (`where()` repeated): one flat AND list. */
export function andWhere(existing: Expr | undefined, clauses: readonly Expr[]): Expr | undefined {
  if (clauses.length === 0) return existing;
  const all = existing ? [existing, ...clauses] : clauses;
  return all.length === 1 ? all[0] : and(...all);
}

/** The clauses, with nested lists of the same operator spliced in (`a AND (b AND c)` is `a AND b AND c`). */
function flat(operator: 'AND' | 'OR', clauses: readonly Expr[]): readonly Expr[] {
  if (!clauses.some((c) => c instanceof ClauseList && c.operator === operator)) return clauses;
  return clauses.flatMap((c) => (c instanceof ClauseList && c.operator === operator ? c.clauses : [c]));
}

/** `AND` of the clauses (a single clause stands alone). */
export function and(...clauses: readonly (Expr<boolean> | Expr<unknown>)[]): Expr<boolean> {
  if (clauses.length === 1) return clauses[0] as Expr<boolean>;
  return new ClauseList<boolean>('AND', flat('AND', clauses));
}

export function or(...clauses: readonly (Expr<boolean> | Expr<unknown>)[]): Expr<boolean> {
  if (clauses.length === 1) return clauses[0] as Expr<boolean>;
  return new ClauseList<boolean>('OR', flat('OR', clauses));
}

export function not(clause: Expr<boolean> | Expr<unknown>): Expr<boolean> {
  return new Unary('NOT', clause, false, BOOLEAN);
}

/** `(a || b || ...)`; plain values become parameters. */
export function concat(...parts: readonly unknown[]): Expr<string> {
  if (parts.length === 0) throw new InvalidRequestError('concat() needs at least one part');
  let out: Expr = coerce(parts[0], TEXT);
  for (let i = 1; i < parts.length; i++) out = new Binary(out, '||', coerce(parts[i], TEXT), TEXT);
  return new Grouping(out) as Expr<string>;
}

/** A value as an expression: a bind parameter (typed when a type is given). */
export function literal<T>(value: T, type?: SqlType<T>): Expr<T> {
  return new Bind<T>(value, type ?? NULLTYPE);
}

export function cast<U>(expr: unknown, type: SqlType<U>): Expr<U> {
  return new Cast<U>(coerce(expr), type);
}

export function text<T = unknown>(
  sql: string,
  params?: Readonly<Record<string, unknown>> | readonly unknown[],
): TextClause<T> {
  return new TextClause<T>(sql, params ?? {});
}

export function exists(select: SelectLike): Exists {
  return new Exists(select);
}

export const NULL = new Keyword('NULL');
