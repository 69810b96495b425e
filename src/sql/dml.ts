/**
 * INSERT, UPDATE and DELETE: immutable builders over one table. They share one base (the table,
 * RETURNING, the loader, the executor, `compile()` and `.gino`); each adds only its own clauses.
 */
import { type Executor, executorOf, type GinoExtension } from './executor.js';
import { andWhere, type Expr } from './expr.js';
import type { Select } from './select.js';
import { noSuchColumn, type Table } from './table.js';

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

function checkKeys(table: Table, values: Readonly<Record<string, unknown>>, what: string): void {
  for (const key of Object.keys(values)) {
    if (!table.c[key]) throw noSuchColumn(`table '${table.fullName}'`, key, table.columns, { what });
  }
}

/**
 * The base of the three builders: a frozen state (pure data, what the compiler reads) and the
 * executor that runs it. `Self` is the builder's own type, which every chain method returns.
 */
abstract class TableStatement<S extends DmlState, R, Self> {
  abstract readonly kind: 'insert' | 'update' | 'delete';
  readonly state: S;
  readonly #executor: Executor | undefined;

  protected constructor(state: S, executor: Executor | undefined) {
    this.state = state;
    this.#executor = executor;
  }

  /** A builder of the same kind over `state`, with `executor`. */
  protected abstract make(state: S, executor: Executor | undefined): Self;

  /** This statement with `state` in place of its own (frozen; the executor carries over). */
  protected next(state: S): Self {
    return this.make(Object.freeze(state), this.#executor);
  }

  /** `RETURNING` these expressions; with none, every column of the table. */
  returning(...exprs: Expr[]): Self {
    return this.next({ ...this.state, returning: exprs.length ? exprs : this.state.table.columns });
  }

  /** The `{ sql, params }` this statement compiles to. */
  compile(): { sql: string; params: unknown[] } {
    return executorOf(this.#executor).compile(this);
  }

  /** Run it: `all first one oneOrNone scalar status iterate load model timeout`. */
  get gino(): GinoExtension<R, unknown> {
    return executorOf(this.#executor).extension<R, unknown>(this, this.state.loader);
  }
}

/** UPDATE and DELETE: a table statement with a WHERE clause. */
abstract class FilteredStatement<
  S extends DmlState & { readonly where: Expr | undefined },
  R,
  Self,
> extends TableStatement<S, R, Self> {
  /** Add conditions; repeated calls are joined with AND. */
  where(...clauses: Expr[]): Self {
    return this.next({ ...this.state, where: andWhere(this.state.where, clauses) });
  }
}

const INSERT: Omit<InsertState, 'table'> = Object.freeze({
  rows: [],
  returning: [],
  loader: undefined,
  fromSelect: undefined,
  onConflict: undefined,
});

/**
 * `INSERT INTO ... VALUES ... [ON CONFLICT ...] [RETURNING ...]`.
 *
 * @example
 * await User.insert().values([{ nickname: 'a' }, { nickname: 'b' }]).returning().gino.all(); // User[]
 */
export class Insert<R = Record<string, unknown>> extends TableStatement<InsertState, R, Insert<R>> {
  readonly kind = 'insert';
  /** `complete`: `state` is already a whole, frozen state (from another statement). */
  constructor(state: Partial<InsertState> & { table: Table }, executor?: Executor, complete?: true) {
    super(complete ? (state as InsertState) : Object.freeze({ ...INSERT, ...state }), executor);
  }
  protected make(state: InsertState, executor: Executor | undefined): Insert<R> {
    return new Insert<R>(state, executor, true);
  }
  /** One row, or many rows in one statement (keys are column attribute names). */
  values(rows: Readonly<Record<string, unknown>> | readonly Readonly<Record<string, unknown>>[]): Insert<R> {
    const list = Array.isArray(rows) ? rows : [rows as Readonly<Record<string, unknown>>];
    for (const row of list) checkKeys(this.state.table, row, 'insert');
    return this.next({ ...this.state, rows: [...this.state.rows, ...list] });
  }
  /** `INSERT INTO t (cols) SELECT ...`. */
  fromSelect(columns: readonly string[], select: Select<unknown, unknown>): Insert<R> {
    for (const c of columns) this.state.table.column(c);
    return this.next({ ...this.state, fromSelect: { columns, select } });
  }
  /** `ON CONFLICT (target) DO NOTHING`. */
  onConflictDoNothing(target?: readonly string[] | { constraint: string }): Insert<R> {
    return this.next({ ...this.state, onConflict: { target, set: undefined, where: undefined } });
  }
  /** `ON CONFLICT (target) DO UPDATE SET ...`; use `excluded('col')` for the proposed row's value. */
  onConflictDoUpdate(
    target: readonly string[] | { constraint: string },
    set: Readonly<Record<string, unknown>>,
    where?: Expr,
  ): Insert<R> {
    checkKeys(this.state.table, set, 'onConflictDoUpdate');
    return this.next({ ...this.state, onConflict: { target, set, where } });
  }
}

const UPDATE: Omit<UpdateState, 'table'> = Object.freeze({
  values: {},
  where: undefined,
  returning: [],
  loader: undefined,
});

/**
 * `UPDATE ... SET ... WHERE ... [RETURNING ...]`.
 *
 * @example
 * await User.update.values({ nickname: db.concat('Founding Member ', User.nickname) }).where(User.id.lt(10)).gino.status();
 */
export class Update<R = Record<string, unknown>> extends FilteredStatement<UpdateState, R, Update<R>> {
  readonly kind = 'update';
  /** `complete`: `state` is already a whole, frozen state (from another statement). */
  constructor(state: Partial<UpdateState> & { table: Table }, executor?: Executor, complete?: true) {
    super(complete ? (state as UpdateState) : Object.freeze({ ...UPDATE, ...state }), executor);
  }
  protected make(state: UpdateState, executor: Executor | undefined): Update<R> {
    return new Update<R>(state, executor, true);
  }
  /** Values to SET, by column attribute name; repeated calls merge. */
  values(values: Readonly<Record<string, unknown>>): Update<R> {
    checkKeys(this.state.table, values, 'update');
    return this.next({ ...this.state, values: { ...this.state.values, ...values } });
  }
}

const DELETE: Omit<DeleteState, 'table'> = Object.freeze({ where: undefined, returning: [], loader: undefined });

/**
 * `DELETE FROM ... WHERE ... [RETURNING ...]`.
 *
 * @example
 * await User.delete.where(User.id.gt(10)).gino.status();
 */
export class Delete<R = Record<string, unknown>> extends FilteredStatement<DeleteState, R, Delete<R>> {
  readonly kind = 'delete';
  /** `complete`: `state` is already a whole, frozen state (from another statement). */
  constructor(state: Partial<DeleteState> & { table: Table }, executor?: Executor, complete?: true) {
    super(complete ? (state as DeleteState) : Object.freeze({ ...DELETE, ...state }), executor);
  }
  protected make(state: DeleteState, executor: Executor | undefined): Delete<R> {
    return new Delete<R>(state, executor, true);
  }
}

export type Statement = Select<unknown, unknown> | Insert<unknown> | Update<unknown> | Delete<unknown>;
