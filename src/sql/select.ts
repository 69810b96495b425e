/** SELECT: an immutable builder; every method returns a new statement. */
import { InvalidRequestError } from '../errors.js';
import { NULLTYPE, type SqlType, typeFactories } from '../types/sqltypes.js';
import { compileWith, type Executor, extensionOf, type GinoExtension } from './executor.js';
import { andWhere, coerce, Exists, type Expr, Func, Label, ScalarSelect, TextClause } from './expr.js';
import { inferFrom } from './nodes.js';
import {
  Alias,
  asFromItem,
  Column,
  type FromItem,
  type HasTable,
  type OuterOf,
  provideJoinSelect,
  type SubquerySource,
  type Table,
  type TablesOf,
} from './table.js';

export interface ForUpdate {
  mode: 'UPDATE' | 'NO KEY UPDATE' | 'SHARE' | 'KEY SHARE';
  of?: readonly (Table | Alias)[];
  nowait?: boolean;
  skipLocked?: boolean;
}

/** What `forUpdate()` takes: `of` may name models too. */
export interface ForUpdateOptions extends Omit<Partial<ForUpdate>, 'of'> {
  of?: readonly (Table | Alias | HasTable)[] | Table | Alias | HasTable;
}

const LOCK_MODES: ReadonlySet<string> = new Set(['UPDATE', 'NO KEY UPDATE', 'SHARE', 'KEY SHARE']);

/** A lock clause checked field by field: its mode is one of PostgreSQL's four, never text of the caller's. */
function checkForUpdate(options: ForUpdateOptions): ForUpdate {
  if (options === null || typeof options !== 'object') {
    throw new InvalidRequestError('forUpdate() takes { mode, of, nowait, skipLocked }');
  }
  const { mode = 'UPDATE', of, nowait, skipLocked, ...rest } = options;
  const unknown = Object.keys(rest);
  if (unknown.length) {
    throw new InvalidRequestError(
      `forUpdate(): unknown option ${unknown.join(', ')}; it takes mode, of, nowait, skipLocked`,
    );
  }
  if (!LOCK_MODES.has(mode)) {
    throw new InvalidRequestError(
      `forUpdate(): mode ${JSON.stringify(mode)} is not a lock mode; use one of ${[...LOCK_MODES].map((m) => `'${m}'`).join(', ')}`,
    );
  }
  for (const [name, flag] of [
    ['nowait', nowait],
    ['skipLocked', skipLocked],
  ] as const) {
    if (flag !== undefined && typeof flag !== 'boolean') {
      throw new InvalidRequestError(`forUpdate(): ${name} is true or false, got ${JSON.stringify(flag)}`);
    }
  }
  if (nowait && skipLocked) throw new InvalidRequestError('forUpdate(): nowait and skipLocked exclude each other');
  const list = (of === undefined ? [] : Array.isArray(of) ? of : [of]) as readonly (Table | Alias | HasTable)[];
  const tables = of === undefined ? undefined : list.map((t) => asFromItem(t));
  if (tables?.some((t) => t.kind === 'join')) {
    throw new InvalidRequestError('forUpdate({ of }) takes tables, models or aliases, not joins');
  }
  return {
    mode,
    ...(tables ? { of: tables as (Table | Alias)[] } : {}),
    ...(nowait !== undefined ? { nowait } : {}),
    ...(skipLocked !== undefined ? { skipLocked } : {}),
  };
}

/**
 * Which FROM items of the enclosing statements a subquery takes as theirs (correlation):
 * `auto` as SQLAlchemy does, `none`, `only` the given ones, or all `except` the given ones.
 */
export type Correlation =
  | { readonly mode: 'auto' }
  | { readonly mode: 'none' }
  | { readonly mode: 'only' | 'except'; readonly items: readonly FromItem[] };

const AUTO: Correlation = Object.freeze({ mode: 'auto' });

export interface SelectState {
  readonly columns: readonly Expr[];
  readonly from: readonly FromItem[];
  readonly where: Expr | undefined;
  readonly groupBy: readonly Expr[];
  readonly having: Expr | undefined;
  readonly orderBy: readonly Expr[];
  readonly limit: Expr | undefined;
  readonly offset: Expr | undefined;
  readonly distinct: boolean | readonly Expr[];
  readonly forUpdate: ForUpdate | undefined;
  readonly correlate: Correlation;
  /** What turns rows into objects (a model class or a loader); travels with the query. */
  readonly loader: unknown;
}

const EMPTY: SelectState = Object.freeze({
  columns: [],
  from: [],
  where: undefined,
  groupBy: [],
  having: undefined,
  orderBy: [],
  limit: undefined,
  offset: undefined,
  distinct: false,
  forUpdate: undefined,
  correlate: AUTO,
  loader: undefined,
});

/** LIMIT and OFFSET counts: whole numbers PostgreSQL reads as bigint. */
const INT = typeFactories.BigInteger({ mode: 'number' });

/** `state` with `patch` applied, as a new frozen state (field by field: much faster than a spread). */
function patched(s: SelectState, p: Partial<SelectState>): SelectState {
  return Object.freeze({
    columns: 'columns' in p ? (p.columns as SelectState['columns']) : s.columns,
    from: 'from' in p ? (p.from as SelectState['from']) : s.from,
    where: 'where' in p ? p.where : s.where,
    groupBy: 'groupBy' in p ? (p.groupBy as SelectState['groupBy']) : s.groupBy,
    having: 'having' in p ? p.having : s.having,
    orderBy: 'orderBy' in p ? (p.orderBy as SelectState['orderBy']) : s.orderBy,
    limit: 'limit' in p ? p.limit : s.limit,
    offset: 'offset' in p ? p.offset : s.offset,
    distinct: 'distinct' in p ? (p.distinct as SelectState['distinct']) : s.distinct,
    forUpdate: 'forUpdate' in p ? p.forUpdate : s.forUpdate,
    correlate: p.correlate ?? s.correlate,
    loader: 'loader' in p ? p.loader : s.loader,
  });
}

/** Column names given as strings (plain JavaScript) are refused here, not deep in the compiler. */
function expressions(method: string, given: readonly Expr[]): readonly Expr[] {
  for (const e of given as readonly unknown[]) {
    if (typeof e !== 'object' || e === null) {
      const what = typeof e === 'string' ? `the string '${e}'` : String(e);
      throw new InvalidRequestError(
        `${method}() takes columns and expressions (User.id, User.id.desc(), db.text('...')), got ${what}`,
      );
    }
  }
  return given;
}

/** What a SELECT list takes: expressions, models and aliases (all their columns). */
export type SelectItem = Expr | HasTable | Alias;

/** `[key, column]` pairs of one SELECT item: a column by its key, a label by its name, a model's or alias's columns. */
type EntriesOf<X> = X extends { readonly kind: 'column'; readonly key: infer K }
  ? [K, X]
  : X extends { readonly kind: 'label'; readonly name: infer N }
    ? [N, X]
    : X extends { readonly kind: string; readonly c?: unknown }
      ? X extends { readonly kind: 'alias'; readonly c: infer Cs }
        ? { [K in keyof Cs & string]: [K, Cs[K]] }[keyof Cs & string]
        : never
      : X extends { readonly c: infer Cs }
        ? { [K in keyof Cs & string]: [K, Cs[K]] }[keyof Cs & string]
        : never;

/** A column's value in a row where the tables `N` are outer-joined: NULL is possible for theirs. */
type ValueIn<X, N extends string> = X extends { readonly __js: infer T; readonly __table: infer Tb }
  ? [Tb] extends [N]
    ? T | null
    : T
  : X extends { readonly __js: infer T }
    ? T
    : unknown;

/** Items keyed by position (`count_1`, `anon_1`): expressions that are neither columns nor labels. */
type Unkeyed<X> = X extends { readonly kind: 'column' | 'label' | 'alias' }
  ? never
  : X extends { readonly kind: string }
    ? X
    : never;

/**
 * The row of a SELECT of the items `C`, with the tables `N` outer-joined: columns by key, labels
 * by name, models and aliases by their columns; any other expression leaves the row open
 * (`Record<string, unknown>`), keyed by position as `count_1`.
 */
export type RowOf<C extends readonly unknown[], N extends string = never> = {
  [P in EntriesOf<C[number]> as P[0] & string]: ValueIn<P[1], N>;
} & ([Unkeyed<C[number]>] extends [never] ? unknown : Record<string, unknown>);

/** `scalar()` of a SELECT of the items `C`: the first item's value. */
export type ScalarOf<C extends readonly unknown[]> = C extends readonly [infer F, ...unknown[]]
  ? F extends { readonly __js: infer T }
    ? T
    : unknown
  : unknown;

/** The same SELECT over other FROM items: its rows typed again when its columns are known. */
type Refrom<R, S, C, N extends string> = C extends readonly unknown[]
  ? Select<RowOf<C, N>, S, C, N>
  : Select<R, S, C, N>;

/**
 * A SELECT statement. `R` is what a row becomes, `S` the value of `scalar()`. `db.select([...])`
 * also keeps its items `C` and the tables its FROM outer-joins `N`, so that `selectFrom()`, `join()`
 * and `outerjoin()` type its rows again (a statement with a loader keeps its rows). The statement is its
 * `state` (pure data: what the compiler reads) and the executor that runs it (`.gino`, `compile()`).
 *
 * @example
 * await User.query.where(User.id.lt(10)).orderBy(User.id.desc()).limit(5).gino.all();
 */
export class Select<out R = Record<string, unknown>, out S = unknown, out C = unknown, N extends string = string> {
  /** Phantom: the SELECT items and the outer-joined tables (see above). */
  declare readonly __items?: C;
  declare readonly __outer?: N;
  readonly kind = 'select';
  readonly state: SelectState;
  readonly #executor: Executor | undefined;
  /** `complete`: `state` is already a whole, frozen state (from another statement). */
  constructor(state: Partial<SelectState>, executor?: Executor, complete?: true) {
    this.state = complete ? (state as SelectState) : patched(EMPTY, state);
    this.#executor = executor;
  }

  private with<R2 = R, S2 = S, C2 = C, N2 extends string = N>(patch: Partial<SelectState>): Select<R2, S2, C2, N2> {
    return new Select<R2, S2, C2, N2>(patched(this.state, patch), this.#executor, true);
  }

  /** Add conditions; repeated calls are joined with AND. */
  where(...clauses: Expr[]): Select<R, S, C, N> {
    return this.with({ where: andWhere(this.state.where, clauses) });
  }
  orderBy(...exprs: Expr[]): Select<R, S, C, N> {
    return this.with({ orderBy: [...this.state.orderBy, ...expressions('orderBy', exprs)] });
  }
  limit(n: number | Expr | null): Select<R, S, C, N> {
    return this.with({ limit: n === null ? undefined : coerce(n, INT) });
  }
  offset(n: number | Expr | null): Select<R, S, C, N> {
    return this.with({ offset: n === null ? undefined : coerce(n, INT) });
  }
  groupBy(...exprs: Expr[]): Select<R, S, C, N> {
    return this.with({ groupBy: [...this.state.groupBy, ...expressions('groupBy', exprs)] });
  }
  having(...clauses: Expr[]): Select<R, S, C, N> {
    return this.with({ having: andWhere(this.state.having, clauses) });
  }
  /** `SELECT DISTINCT`, or `DISTINCT ON (exprs)` when given expressions. */
  distinct(...on: Expr[]): Select<R, S, C, N> {
    return this.with({ distinct: on.length ? on : true });
  }
  /** `FOR UPDATE` (or `mode: 'SHARE'` ...), with `nowait`, `skipLocked`, `of`. */
  forUpdate(options: ForUpdateOptions = {}): Select<R, S, C, N> {
    return this.with({ forUpdate: checkForUpdate(options) });
  }
  /**
   * As a subquery, take these FROM items from the enclosing statement (correlate to them), even
   * if that leaves the subquery none of its own; `correlate(null)` correlates to nothing. Without
   * either, a subquery correlates to every enclosing FROM item it names, unless that would leave
   * it no FROM item of its own (then it reads its tables itself), as SQLAlchemy does.
   *
   * @example
   * Acct.delete.where(db.exists(db.select([B.id]).where(B.owner.eq(Acct.owner)).correlate(Acct)))
   */
  correlate(...items: (FromItem | HasTable | null)[]): Select<R, S, C, N> {
    if (items.length === 1 && items[0] === null) return this.with({ correlate: { mode: 'none' } });
    return this.with({ correlate: { mode: 'only', items: fromItems('correlate', items) } });
  }
  /** As a subquery, correlate to every enclosing FROM item it names except these. */
  correlateExcept(...items: (FromItem | HasTable)[]): Select<R, S, C, N> {
    return this.with({ correlate: { mode: 'except', items: fromItems('correlateExcept', items) } });
  }
  /**
   * Replace the FROM list (joins are FROM items: `User.join(Team)`); rows of `db.select([...])`
   * are typed again, the columns of outer-joined tables nullable.
   */
  selectFrom<const I extends readonly (FromItem | HasTable)[]>(...items: I): Refrom<R, S, C, OuterOf<I[number]>> {
    return this.with({ from: items.map(asFromItem) }) as never;
  }
  /** Join onto the last FROM item; without `on`, the foreign key between them is used. */
  join(right: FromItem | HasTable, on?: Expr): Select<R, S, C, N> {
    return this.joined(asFromItem(right), on, false);
  }
  /** `LEFT OUTER JOIN` onto the last FROM item: in rows of `db.select([...])` its columns are nullable. */
  outerjoin<Rt extends FromItem | HasTable>(right: Rt, on?: Expr): Refrom<R, S, C, N | TablesOf<Rt>> {
    return this.joined(asFromItem(right), on, true) as never;
  }
  private joined(right: FromItem, on: Expr | undefined, outer: boolean): Select<R, S, C, N> {
    const from = this.state.from.length ? [...this.state.from] : inferFrom(this.state.columns).slice(0, 1);
    const last = from.pop();
    if (!last) throw new InvalidRequestError('join() needs a table to join onto: select columns or call selectFrom()');
    return this.with({ from: [...from, outer ? last.outerjoin(right, on) : last.join(right, on)] });
  }
  /** Add result columns. */
  column(...exprs: Expr[]): Select<Record<string, unknown>, S> {
    return this.with({ columns: [...this.state.columns, ...exprs], loader: undefined });
  }
  /**
   * Replace the result columns, keeping the loader (SQLAlchemy keeps a statement's execution
   * options, where GINO's loader travels): `User.query.withOnlyColumns(User.id)` still loads
   * `User` instances, of those columns only.
   */
  withOnlyColumns<const E extends readonly Expr[]>(
    ...exprs: E
  ): C extends readonly unknown[] ? Select<RowOf<E, N>, ScalarOf<E>, E, N> : Select<R, ScalarOf<E>, C, N> {
    return this.with({ columns: exprs }) as never;
  }
  /** `(SELECT ...) AS name` (anonymous without a name), usable as a FROM item; its columns are `alias.c.<key>`. */
  alias(name?: string): Alias {
    return new Alias(subquerySource(this), name);
  }
  /** `(SELECT ...)` as a value. */
  asScalar(): Expr<S> {
    return new ScalarSelect<S>(this);
  }
  /** `EXISTS (SELECT ...)`. */
  exists(): Expr<boolean> {
    return new Exists(this);
  }
  /** The `{ sql, params }` this statement compiles to. */
  compile(): { sql: string; params: unknown[] } {
    return compileWith(this.#executor, this);
  }
  /** Run it: `all first one oneOrNone scalar status iterate load model timeout`. */
  get gino(): GinoExtension<R, S> {
    return extensionOf<R, S>(this.#executor, this, this.state.loader);
  }
}

function fromItems(method: string, items: readonly (FromItem | HasTable | null)[]): FromItem[] {
  return items.map((item) => {
    if (item === null || (typeof item !== 'object' && typeof item !== 'function')) {
      throw new InvalidRequestError(`${method}() takes tables, models or aliases`);
    }
    return asFromItem(item);
  });
}

/** The result columns of a SELECT, named as rows will key them. */
export function outputColumns(
  select: Select<unknown, unknown>,
): { key: string; name: string; type: SqlType; origin?: Column }[] {
  const exprs = select.state.columns;
  const keys = resultKeys(exprs);
  // A bare column keeps its database name in the output unless it was renamed apart; everything else is its key.
  return exprs.map((e, i) => {
    const key = keys[i] as string;
    const name = e instanceof Column && e.key === key ? e.name : key;
    // The column an output stands for (its foreign keys join a subquery alias, as SQLAlchemy's do).
    const origin = e instanceof Column ? e : e instanceof Label && e.expr instanceof Column ? e.expr : undefined;
    return origin ? { key, name, type: e.type ?? NULLTYPE, origin } : { key, name, type: e.type ?? NULLTYPE };
  });
}

/**
 * GINO's keys of result columns: attribute key, label, `<func>_<n>`, else `anon_<n>`. Keys are never
 * shared: columns of the same key are told apart by their table (`teams_id`, `members_id`, as
 * SQLAlchemy labels them), and anything still the same gets `_1`, `_2`, ... — no column is dropped.
 */
export function resultKeys(exprs: readonly Expr[]): string[] {
  let counters: Map<string, number> | undefined;
  const keys = exprs.map((e) => {
    if (e instanceof Column) return e.key;
    if (e instanceof Label) return e.name;
    counters ??= new Map();
    return resultKey(e, counters);
  });
  return distinctKeys(keys, (i) => {
    const e = exprs[i];
    return e instanceof Column ? `${e.table.name}_${e.key}` : undefined;
  });
}

/** `keys` with repeats told apart: first by `qualified(i)` where there is one, then by `_1`, `_2`, .... */
export function distinctKeys(keys: string[], qualified: (i: number) => string | undefined = () => undefined): string[] {
  if (!hasRepeats(keys)) return keys;
  const count = new Map<string, number>();
  for (const k of keys) count.set(k, (count.get(k) ?? 0) + 1);
  // Keys that were never repeated stay as they are; the repeated ones are renamed around them.
  const out = keys.map((k) => ((count.get(k) as number) > 1 ? undefined : k));
  const taken = new Set(out.filter((k): k is string => k !== undefined));
  return out.map((k, i) => {
    if (k !== undefined) return k;
    const stem = qualified(i) ?? (keys[i] as string);
    let key = stem;
    for (let n = 1; taken.has(key); n++) key = `${stem}_${n}`;
    taken.add(key);
    return key;
  });
}

function hasRepeats(keys: readonly string[]): boolean {
  if (keys.length > 16) return new Set(keys).size !== keys.length;
  for (let i = 1; i < keys.length; i++) for (let j = 0; j < i; j++) if (keys[i] === keys[j]) return true;
  return false;
}

/** GINO's key of one result column: attribute key, label, `<func>_<n>`, else `anon_<n>`. */
export function resultKey(e: Expr, counters: Map<string, number>): string {
  if (e instanceof Column) return e.key;
  if (e instanceof Label) return e.name;
  const base = e instanceof Func ? (e.name.split('.').pop() as string) : 'anon';
  const n = (counters.get(base) ?? 0) + 1;
  counters.set(base, n);
  return `${base}_${n}`;
}

function subquerySource(select: Select<unknown, unknown>): SubquerySource {
  return { kind: 'subquery', select, outputs: outputColumns(select) };
}

/** What `db.text(sql).columns(...)` takes: columns, models and aliases (all their columns), or `{ key: type }`. */
export type TextColumnSpec = Column | HasTable | Alias | Readonly<Record<string, SqlType>>;

/**
 * `db.text(sql, params)`: a SQL fragment or statement with `:name` parameters, runnable as is
 * (`db.all(text)`, `text.gino.all()`); `.columns(...)` says what its result columns are.
 */
export class Text<T = unknown> extends TextClause<T> {
  constructor(
    sql: string,
    params: Readonly<Record<string, unknown>> | readonly unknown[],
    private readonly executor: Executor | undefined,
  ) {
    super(sql, params);
  }

  /**
   * The same text as a SELECT with these result columns, matched by position (SQLAlchemy's
   * `text().columns()`): rows load into models (`.gino.model(User)`) and read by column, and
   * `{ key: type }` makes columns of the text's own (`text.c.key`).
   *
   * @example
   * const users = await db.text('SELECT * FROM users WHERE id < :n', { n: 10 }).columns(User).gino.model(User).all();
   */
  columns(...items: TextColumnSpec[]): TextSelect<Record<string, unknown>> {
    return new TextSelect(this.sql, this.params, this.executor, items);
  }

  /** Run it: `all first one oneOrNone scalar status iterate load model timeout`. */
  get gino(): GinoExtension<Record<string, unknown>, unknown> {
    return extensionOf(this.executor, this, undefined);
  }
}

/** `db.text(sql).columns(...)`: text whose result columns are known, by position. */
export class TextSelect<R = Record<string, unknown>> extends TextClause<unknown> {
  /** The result columns, in order. */
  readonly resultColumns: readonly Column[];
  /** Its columns by key, those made from `{ key: type }` included: `text.c.time`. */
  readonly c: Readonly<Record<string, Column>>;
  constructor(
    sql: string,
    params: Readonly<Record<string, unknown>> | readonly unknown[],
    private readonly executor: Executor | undefined,
    items: readonly TextColumnSpec[],
  ) {
    super(sql, params);
    const columns: Column[] = [];
    for (const item of items) {
      if (item instanceof Column) columns.push(item);
      else if (item instanceof Alias) columns.push(...item.columns);
      else if (typeof item === 'function' || '__table__' in item)
        columns.push(...(asFromItem(item as HasTable) as Table).columns);
      else {
        const entries = Object.entries(item as Readonly<Record<string, SqlType>>);
        const own = new Alias({
          kind: 'subquery',
          select: this,
          outputs: entries.map(([key, type]) => ({ key, name: key, type })),
        });
        columns.push(...own.columns);
      }
    }
    if (columns.length === 0)
      throw new InvalidRequestError('columns() takes at least one column, model or { key: type }');
    this.resultColumns = Object.freeze(columns);
    const byKey: Record<string, Column> = {};
    for (const col of columns) byKey[col.key] ??= col;
    this.c = byKey;
  }

  /** Run it: rows keyed by the columns, loadable into models (`.gino.model(User)`, `.gino.load(...)`). */
  get gino(): GinoExtension<R, unknown> {
    return extensionOf<R, unknown>(this.executor, this, undefined);
  }
}

// `join.select()`: every column of the join's tables, from the join, run by the join's executor.
provideJoinSelect(
  (join, executor) =>
    new Select<Record<string, unknown>, unknown>(
      { columns: join.items.flatMap((t) => t.columns), from: [join] },
      executor,
    ),
);
