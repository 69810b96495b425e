/**
 * The differential tester's neutral AST: expressions and statements described independently of
 * gino-edge, so that three separate interpreters (the public API, a raw SQL renderer and a JS
 * evaluator) can each give it a meaning. Column references name their scope by depth (`up`: 0 is
 * the innermost SELECT), so a generated tree is valid by construction.
 */

export type TableName = 'dt_a' | 'dt_b';
/** The PostgreSQL types the tester models. `null` is an untyped NULL literal (PostgreSQL's unknown). */
export type SqlT = 'int4' | 'int8' | 'float8' | 'text' | 'bool' | 'null';
export type Family = 'num' | 'text' | 'bool';
export type LitValue = number | bigint | string | boolean | null;
export type CmpOp = '=' | '<>' | '<' | '<=' | '>' | '>=';
export type LikeOp = 'LIKE' | 'ILIKE' | 'NOT LIKE' | 'NOT ILIKE';
export type ArithOp = '+' | '-' | '*' | '/';
export type FnName = 'coalesce' | 'greatest' | 'least' | 'abs' | 'nullif' | 'lower' | 'upper' | 'length';

/** A FROM item: a table, or an alias of one (`alias` is given its name when the tree is finished). */
export interface Source {
  readonly table: TableName;
  readonly alias: string | null;
}

export type Expr =
  /** `wrap`: written as `db.literal(v)` where a plain value could stand (a receiver is always wrapped). */
  | { readonly k: 'lit'; readonly v: LitValue; readonly wrap: boolean }
  | { readonly k: 'col'; readonly up: number; readonly col: string }
  | { readonly k: 'cmp'; readonly op: CmpOp; readonly l: Expr; readonly r: Expr }
  | { readonly k: 'bool'; readonly op: 'and' | 'or'; readonly args: readonly Expr[] }
  | { readonly k: 'not'; readonly a: Expr }
  /** `spelling`: `x.isNull()` or `x.eq(null)` (GINO's comparison with null). */
  | { readonly k: 'isnull'; readonly a: Expr; readonly neg: boolean; readonly spelling: 'method' | 'eq' }
  | { readonly k: 'in'; readonly a: Expr; readonly items: readonly Expr[]; readonly neg: boolean }
  | { readonly k: 'inSub'; readonly a: Expr; readonly sub: Sub; readonly neg: boolean }
  | { readonly k: 'between'; readonly a: Expr; readonly lo: Expr; readonly hi: Expr; readonly neg: boolean }
  | { readonly k: 'like'; readonly op: LikeOp; readonly a: Expr; readonly pat: Expr }
  | { readonly k: 'arith'; readonly op: ArithOp; readonly l: Expr; readonly r: Expr }
  | { readonly k: 'neg'; readonly a: Expr }
  /** `spelling`: `l.concat(r)`, `db.concat(l, r)`, or `l.add(r)` on a text column. */
  | { readonly k: 'concat'; readonly l: Expr; readonly r: Expr; readonly spelling: 'method' | 'func' | 'add' }
  | { readonly k: 'fn'; readonly name: FnName; readonly args: readonly Expr[] }
  /** A `db.text()` fragment whose SQL is `inner` rendered without its outer parentheses. */
  | { readonly k: 'text'; readonly inner: Expr }
  | { readonly k: 'exists'; readonly sub: Sub; readonly spelling: 'db' | 'method' }
  /** `spelling`: `.asScalar()`, or the Select itself passed as a value (receivers use asScalar). */
  | { readonly k: 'scalar'; readonly sub: Sub; readonly spelling: 'asScalar' | 'select' }
  /** `a.label(name)` used inside an expression (only generated in ORDER BY). */
  | { readonly k: 'label'; readonly a: Expr; readonly name: string };

/** What a subquery selects: a column (the first by id when `limit1`), or an aggregate. */
export type SubOut =
  | { readonly k: 'col'; readonly col: string; readonly limit1: boolean }
  | { readonly k: 'agg'; readonly fn: 'max' | 'min' | 'count'; readonly col: string };

export interface Sub {
  readonly src: Source;
  readonly out: SubOut;
  readonly where: Expr | null;
}

export interface OrderItem {
  readonly e: Expr;
  readonly dir: 'asc' | 'desc' | null;
  readonly nulls: 'first' | 'last' | null;
}

/** A result column of a values statement; `label: null` leaves gino-edge to name it. */
export interface ValueItem {
  readonly e: Expr;
  readonly label: string | null;
}

export type Statement =
  /** `db.select([T.id, p0.label('p0'), ...]).orderBy(T.id)`: each predicate's value on every row. */
  | { readonly k: 'predicates'; readonly table: TableName; readonly preds: readonly Expr[] }
  /** `db.select([T.id, v0, v1.label(..), ...]).orderBy(T.id)`: values, and the keys rows carry. */
  | { readonly k: 'values'; readonly table: TableName; readonly items: readonly ValueItem[] }
  /** `db.select([c0.label('c0'), ...])` of expressions naming no table: no FROM, one row. */
  | { readonly k: 'const'; readonly items: readonly Expr[] }
  /** A query over T: WHERE, ORDER BY (T.id last), LIMIT, OFFSET; the ids in order. */
  | {
      readonly k: 'query';
      readonly table: TableName;
      readonly shape: 'model' | 'select';
      readonly where: Expr | null;
      readonly order: readonly OrderItem[];
      readonly limit: number | null;
      readonly offset: number | null;
    }
  /** `db.select([value.label('v')]).where(p)`: the FROM is whatever the statement names. */
  | { readonly k: 'unanchored'; readonly table: TableName; readonly value: Expr; readonly where: Expr | null }
  | { readonly k: 'delete'; readonly table: TableName; readonly where: Expr | null }
  | {
      readonly k: 'update';
      readonly table: TableName;
      readonly col: 'x' | 's';
      readonly value: Expr;
      readonly where: Expr | null;
    };

export const COLUMNS: Readonly<Record<TableName, Readonly<Record<string, Exclude<SqlT, 'null'>>>>> = {
  dt_a: { id: 'int4', x: 'int4', y: 'int4', s: 'text', b: 'bool', f: 'float8' },
  dt_b: { id: 'int4', a_id: 'int4', x: 'int4', s: 'text' },
};

export function familyOf(t: SqlT): Family | 'null' {
  if (t === 'null') return 'null';
  if (t === 'text') return 'text';
  if (t === 'bool') return 'bool';
  return 'num';
}

const INT4_MIN = -2147483648;
const INT4_MAX = 2147483647;

/**
 * A literal's type, as PostgreSQL types a numeric literal: an integer within int4 is int4, a safe
 * integer beyond is int8, anything else (fractions, NaN, ±Infinity) is float8; a bigint is int8.
 */
export function literalType(v: LitValue): SqlT {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'number':
      if (Number.isInteger(v) && v >= INT4_MIN && v <= INT4_MAX) return 'int4';
      return Number.isSafeInteger(v) ? 'int8' : 'float8';
    case 'bigint':
      return 'int8';
    case 'string':
      return 'text';
    case 'boolean':
      return 'bool';
  }
}

/** The common type of numeric operands (PostgreSQL's implicit promotions); untyped NULLs take the others'. */
export function commonType(types: readonly SqlT[]): SqlT {
  const typed = types.filter((t) => t !== 'null');
  if (typed.length === 0) return 'null';
  if (typed.includes('float8')) return 'float8';
  if (typed.includes('int8')) return 'int8';
  return typed[0] as SqlT;
}

/** The scope chain as the tester sees it: for each enclosing SELECT, innermost first, its source. */
export type Chain = readonly (Source | null)[];

/** The static type of an expression; `chain` resolves column references. */
export function typeOf(e: Expr, chain: Chain): SqlT {
  switch (e.k) {
    case 'lit':
      return literalType(e.v);
    case 'col': {
      const src = chain[e.up];
      if (!src) throw new Error(`column ${e.col} refers to scope ${e.up}, which has no source`);
      return COLUMNS[src.table][e.col] as SqlT;
    }
    case 'cmp':
    case 'bool':
    case 'not':
    case 'isnull':
    case 'in':
    case 'inSub':
    case 'between':
    case 'like':
    case 'exists':
      return 'bool';
    case 'arith':
      return commonType([typeOf(e.l, chain), typeOf(e.r, chain)]);
    case 'neg':
      return typeOf(e.a, chain);
    case 'concat':
      return 'text';
    case 'fn':
      return fnType(
        e.name,
        e.args.map((a) => typeOf(a, chain)),
      );
    case 'text':
      return typeOf(e.inner, chain);
    case 'scalar':
      return subOutType(e.sub, chain);
    case 'label':
      return typeOf(e.a, chain);
  }
}

export function fnType(name: FnName, args: readonly SqlT[]): SqlT {
  switch (name) {
    case 'lower':
    case 'upper':
      return 'text';
    case 'length':
      return 'int4';
    case 'abs':
      return args[0] ?? 'null';
    case 'nullif': {
      // The result is the first argument of the implied `=`, promoted to float8 when the other is.
      const [a = 'null', b = 'null'] = args;
      if (familyOf(a) === 'num' && (a === 'float8' || b === 'float8')) return 'float8';
      return a;
    }
    case 'coalesce':
    case 'greatest':
    case 'least': {
      const t = commonType(args);
      // PostgreSQL resolves a list of nothing but untyped NULLs as text.
      return t === 'null' ? 'text' : t;
    }
  }
}

export function subOutType(sub: Sub, _chain: Chain): SqlT {
  if (sub.out.k === 'agg' && sub.out.fn === 'count') return 'int8';
  return COLUMNS[sub.src.table][sub.out.col] as SqlT;
}

/** The chain inside a subquery. */
export function enter(chain: Chain, sub: Sub): Chain {
  return [sub.src, ...chain];
}

/** The table a statement is about (its anchor), if any. */
export function statementTable(s: Statement): TableName | null {
  return s.k === 'const' ? null : s.table;
}

/** Every subquery directly in `e` (not inside other subqueries). */
export function subqueriesOf(e: Expr): Sub[] {
  const out: Sub[] = [];
  walk(e, (node) => {
    if (node.k === 'inSub' || node.k === 'exists' || node.k === 'scalar') out.push(node.sub);
  });
  return out;
}

/**
 * Visit `e` and its operands, not entering subqueries (their own scope) nor text fragments (their
 * columns are SQL text, named by no expression object).
 */
export function walk(e: Expr, visit: (node: Expr) => void): void {
  visit(e);
  for (const child of children(e)) walk(child, visit);
}

/** The operands of a node in the same scope (every kind listed: a new kind fails to compile). */
export function children(e: Expr): readonly Expr[] {
  switch (e.k) {
    case 'lit':
    case 'col':
    case 'text':
    case 'exists':
    case 'scalar':
      return [];
    case 'cmp':
    case 'arith':
    case 'concat':
      return [e.l, e.r];
    case 'bool':
      return e.args;
    case 'fn':
      return e.args;
    case 'not':
    case 'neg':
    case 'label':
      return [e.a];
    case 'isnull':
      return [e.a];
    case 'in':
      return [e.a, ...e.items];
    case 'inSub':
      return [e.a];
    case 'between':
      return [e.a, e.lo, e.hi];
    case 'like':
      return [e.a, e.pat];
  }
}
