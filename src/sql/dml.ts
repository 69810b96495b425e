/**
 * INSERT, UPDATE and DELETE: immutable builders over one table. What they share is written once
 * (the state every one holds, RETURNING's default, the key check, the executor's `compile()` and
 * `.gino`). Each kind makes its states with one function, field by field (a spread makes slower
 * states, and costs about three times as much), and declares its own class: a shared base class's
 * constructor chain costs about 35 ns more on every chain call.
 */
import { compileWith, type Executor, extensionOf, type GinoExtension } from './executor.js';
import { andWhere, type Expr } from './expr.js';
import type { Select } from './select.js';
import { type SharedList, shareList } from './shared.js';
import { Column, noSuchColumn, type Table } from './table.js';

export interface OnConflict {
  /** Conflict target: columns (by key) or a constraint name. */
  target: readonly string[] | { constraint: string } | undefined;
  /** `undefined` → DO NOTHING; otherwise DO UPDATE SET these (values, or `excluded(col)` expressions). */
  set: Readonly<Record<string, unknown>> | undefined;
  where: Expr | undefined;
}

/** What every INSERT, UPDATE and DELETE state holds. */
export interface DmlState {
  readonly table: Table;
  readonly returning: readonly Expr[];
  /** What turns returned rows into objects (a model class or a loader); travels with the statement. */
  readonly loader: unknown;
}

export interface InsertState extends DmlState {
  readonly rows: readonly Readonly<Record<string, unknown>>[];
  readonly fromSelect: { columns: readonly string[]; select: Select<unknown, unknown> } | undefined;
  readonly onConflict: OnConflict | undefined;
}

export interface UpdateState extends DmlState {
  readonly values: Readonly<Record<string, unknown>>;
  readonly where: Expr | undefined;
}

export interface DeleteState extends DmlState {
  readonly where: Expr | undefined;
}

/** No changes: a new statement's state is the given one, completed. */
const NONE = Object.freeze({});

/** `RETURNING` these expressions; with none, every column of the table. */
function returningOf(state: DmlState, exprs: readonly Expr[]): readonly Expr[] {
  return exprs.length ? sharedColumns(exprs) : state.table.columns;
}

interface ColumnsNode {
  list?: SharedList<Expr>;
  next?: WeakMap<Column, ColumnsNode>;
}

/** One shared list per sequence of columns given to `returning(...)` (see `sharedColumns`). */
const columnLists = new WeakMap<Column, ColumnsNode>();

/**
 * A list of columns written per call (`returning(User.nickname)`) as one shared list per sequence
 * of columns, so the compiler renders and keeps its RETURNING once, as it does a table's columns
 * (rows then share their loader and prototype too). Other lists (labels, expressions) are kept as
 * given: they are built per call and would only fill the table.
 */
function sharedColumns(exprs: readonly Expr[]): readonly Expr[] {
  if (exprs.length > 8) return exprs;
  let map = columnLists;
  let node: ColumnsNode | undefined;
  for (let i = 0; i < exprs.length; i++) {
    const e = exprs[i];
    if (!(e instanceof Column)) return exprs;
    if (node) map = node.next ??= new WeakMap();
    node = map.get(e);
    if (!node) {
      node = {};
      map.set(e, node);
    }
  }
  if (!node) return exprs;
  node.list ??= shareList([...exprs]);
  return node.list;
}

/** `where()` repeated: the conditions ANDed on. */
function whereOf(state: { readonly where: Expr | undefined }, clauses: readonly Expr[]): Expr | undefined {
  return andWhere(state.where, clauses);
}

/** Every key of `values` must be a column of `table` (`what` names the call in the message). */
function checkKeys(table: Table, values: Readonly<Record<string, unknown>>, what: string): void {
  for (const key of Object.keys(values)) {
    if (!table.c[key]) throw noSuchColumn(`table '${table.fullName}'`, key, table.columns, { what });
  }
}

/**
 * `s` with `p` applied, frozen, every field given (a new statement's missing ones take their
 * defaults). Field by field, always in this order: states of a kind share one shape.
 */
function insertState(s: Partial<InsertState> & { table: Table }, p: Partial<InsertState> = NONE): InsertState {
  return Object.freeze({
    table: s.table,
    rows: p.rows ?? s.rows ?? [],
    returning: p.returning ?? s.returning ?? [],
    loader: s.loader,
    fromSelect: 'fromSelect' in p ? p.fromSelect : s.fromSelect,
    onConflict: 'onConflict' in p ? p.onConflict : s.onConflict,
  });
}

/**
 * `INSERT INTO ... VALUES ... [ON CONFLICT ...] [RETURNING ...]`. The statement is its `state`
 * (pure data: what the compiler reads) and the executor that runs it.
 *
 * @example
 * await User.insert().values([{ nickname: 'a' }, { nickname: 'b' }]).returning().gino.all(); // User[]
 */
/** Values by column key, as untyped statements take them. */
type AnyValues = Readonly<Record<string, unknown>>;

/**
 * `R` is what a returned row becomes; `I` what `values()` takes for a row (a model's insert
 * shape: its required columns, then the optional ones), `U` what `onConflictDoUpdate()` sets.
 */
export class Insert<R = Record<string, unknown>, I = AnyValues, U = AnyValues> {
  readonly kind = 'insert';
  readonly state: InsertState;
  readonly #executor: Executor | undefined;
  /** `complete`: `state` is already a whole, frozen state (from another statement). */
  constructor(state: Partial<InsertState> & { table: Table }, executor?: Executor, complete?: true) {
    this.state = complete ? (state as InsertState) : insertState(state);
    this.#executor = executor;
  }
  private with(p: Partial<InsertState>): Insert<R, I, U> {
    return new Insert<R, I, U>(insertState(this.state, p), this.#executor, true);
  }
  /** One row, or many rows in one statement (keys are column attribute names). */
  values(rows: I | readonly I[]): Insert<R, I, U> {
    const list = (Array.isArray(rows) ? rows : [rows]) as readonly AnyValues[];
    for (const row of list) checkKeys(this.state.table, row, 'insert');
    return this.with({ rows: [...this.state.rows, ...list] });
  }
  /** `INSERT INTO t (cols) SELECT ...`. */
  fromSelect(columns: readonly (keyof I & string)[], select: Select<unknown, unknown>): Insert<R, I, U> {
    for (const c of columns) this.state.table.column(c);
    return this.with({ fromSelect: { columns, select } });
  }
  /** `RETURNING` these expressions; with none, every column of the table. */
  returning(...exprs: Expr[]): Insert<R, I, U> {
    return this.with({ returning: returningOf(this.state, exprs) });
  }
  /** `ON CONFLICT (target) DO NOTHING`. */
  onConflictDoNothing(target?: readonly (keyof I & string)[] | { constraint: string }): Insert<R, I, U> {
    return this.with({ onConflict: { target, set: undefined, where: undefined } });
  }
  /** `ON CONFLICT (target) DO UPDATE SET ...`; use `excluded('col')` for the proposed row's value. */
  onConflictDoUpdate(
    target: readonly (keyof I & string)[] | { constraint: string },
    set: U,
    where?: Expr,
  ): Insert<R, I, U> {
    checkKeys(this.state.table, set as AnyValues, 'onConflictDoUpdate');
    return this.with({ onConflict: { target, set: set as AnyValues, where } });
  }
  /** The `{ sql, params }` this statement compiles to. */
  compile(): { sql: string; params: unknown[] } {
    return compileWith(this.#executor, this);
  }
  /** Run it: `all first one oneOrNone scalar status iterate load model timeout`. */
  get gino(): GinoExtension<R, unknown> {
    return extensionOf<R, unknown>(this.#executor, this, this.state.loader);
  }
}

/** `s` with `p` applied (see `insertState`). */
function updateState(s: Partial<UpdateState> & { table: Table }, p: Partial<UpdateState> = NONE): UpdateState {
  return Object.freeze({
    table: s.table,
    values: p.values ?? s.values ?? NONE,
    where: 'where' in p ? p.where : s.where,
    returning: p.returning ?? s.returning ?? [],
    loader: s.loader,
  });
}

/**
 * `UPDATE ... SET ... WHERE ... [RETURNING ...]`.
 *
 * @example
 * await User.update.values({ nickname: db.concat('Founding Member ', User.nickname) }).where(User.id.lt(10)).gino.status();
 */
/** `R` is what a returned row becomes, `U` what `values()` takes (a model's known columns). */
export class Update<R = Record<string, unknown>, U = AnyValues> {
  readonly kind = 'update';
  readonly state: UpdateState;
  readonly #executor: Executor | undefined;
  /** `complete`: `state` is already a whole, frozen state (from another statement). */
  constructor(state: Partial<UpdateState> & { table: Table }, executor?: Executor, complete?: true) {
    this.state = complete ? (state as UpdateState) : updateState(state);
    this.#executor = executor;
  }
  private with(p: Partial<UpdateState>): Update<R, U> {
    return new Update<R, U>(updateState(this.state, p), this.#executor, true);
  }
  /** Values to SET, by column attribute name; repeated calls merge. */
  values(values: U): Update<R, U> {
    checkKeys(this.state.table, values as AnyValues, 'update');
    return this.with({ values: { ...this.state.values, ...values } });
  }
  /** Add conditions; repeated calls are joined with AND. */
  where(...clauses: Expr[]): Update<R, U> {
    return this.with({ where: whereOf(this.state, clauses) });
  }
  /** `RETURNING` these expressions; with none, every column of the table. */
  returning(...exprs: Expr[]): Update<R, U> {
    return this.with({ returning: returningOf(this.state, exprs) });
  }
  /** The `{ sql, params }` this statement compiles to. */
  compile(): { sql: string; params: unknown[] } {
    return compileWith(this.#executor, this);
  }
  /** Run it: `all first one oneOrNone scalar status iterate load model timeout`. */
  get gino(): GinoExtension<R, unknown> {
    return extensionOf<R, unknown>(this.#executor, this, this.state.loader);
  }
}

/** `s` with `p` applied (see `insertState`). */
function deleteState(s: Partial<DeleteState> & { table: Table }, p: Partial<DeleteState> = NONE): DeleteState {
  return Object.freeze({
    table: s.table,
    where: 'where' in p ? p.where : s.where,
    returning: p.returning ?? s.returning ?? [],
    loader: s.loader,
  });
}

/**
 * `DELETE FROM ... WHERE ... [RETURNING ...]`.
 *
 * @example
 * await User.delete.where(User.id.gt(10)).gino.status();
 */
export class Delete<R = Record<string, unknown>> {
  readonly kind = 'delete';
  readonly state: DeleteState;
  readonly #executor: Executor | undefined;
  /** `complete`: `state` is already a whole, frozen state (from another statement). */
  constructor(state: Partial<DeleteState> & { table: Table }, executor?: Executor, complete?: true) {
    this.state = complete ? (state as DeleteState) : deleteState(state);
    this.#executor = executor;
  }
  private with(p: Partial<DeleteState>): Delete<R> {
    return new Delete<R>(deleteState(this.state, p), this.#executor, true);
  }
  /** Add conditions; repeated calls are joined with AND. */
  where(...clauses: Expr[]): Delete<R> {
    return this.with({ where: whereOf(this.state, clauses) });
  }
  /** `RETURNING` these expressions; with none, every column of the table. */
  returning(...exprs: Expr[]): Delete<R> {
    return this.with({ returning: returningOf(this.state, exprs) });
  }
  /** The `{ sql, params }` this statement compiles to. */
  compile(): { sql: string; params: unknown[] } {
    return compileWith(this.#executor, this);
  }
  /** Run it: `all first one oneOrNone scalar status iterate load model timeout`. */
  get gino(): GinoExtension<R, unknown> {
    return extensionOf<R, unknown>(this.#executor, this, this.state.loader);
  }
}

// biome-ignore lint/suspicious/noExplicitAny: any statement, whatever values it takes
export type Statement = Select<unknown, unknown> | Insert<unknown, any, any> | Update<unknown, any> | Delete<unknown>;
