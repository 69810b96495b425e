/** INSERT, UPDATE and DELETE: immutable builders over one table. */
import { InvalidRequestError } from '../errors.js';
import { andWhere, type Expr } from './expr.js';
import { compileWith, extensionOf, type GinoExtension, type Runner } from './runner.js';
import type { Select } from './select.js';
import type { Table } from './table.js';

export interface OnConflict {
  /** Conflict target: columns (by key) or a constraint name. */
  target: readonly string[] | { constraint: string } | undefined;
  /** `undefined` → DO NOTHING; otherwise DO UPDATE SET these (values, or `excluded(col)` expressions). */
  set: Readonly<Record<string, unknown>> | undefined;
  where: Expr | undefined;
}

interface DmlState {
  readonly table: Table;
  readonly returning: readonly Expr[];
  readonly loader: unknown;
  readonly runner: Runner | undefined;
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
    if (!table.c[key]) {
      throw new InvalidRequestError(
        `${what}: table '${table.fullName}' has no column '${key}' (columns: ${table.columns.map((c) => c.key).join(', ')})`,
      );
    }
  }
}

/**
 * `INSERT INTO ... VALUES ... [ON CONFLICT ...] [RETURNING ...]`.
 *
 * @example
 * await User.insert().values([{ nickname: 'a' }, { nickname: 'b' }]).returning().gino.all(); // User[]
 */
export class Insert<R = Record<string, unknown>> {
  readonly kind = 'insert';
  readonly state: InsertState;
  /** `complete`: `state` is already a whole, frozen state (from another statement). */
  constructor(state: Partial<InsertState> & { table: Table }, complete?: true) {
    this.state = complete
      ? (state as InsertState)
      : Object.freeze({
          rows: [],
          returning: [],
          loader: undefined,
          runner: undefined,
          fromSelect: undefined,
          onConflict: undefined,
          ...state,
        });
  }
  private with<R2 = R>(patch: Partial<InsertState>): Insert<R2> {
    const s = this.state;
    const p = patch;
    // Field by field: much faster than a spread.
    const next: InsertState = {
      table: s.table,
      rows: p.rows ?? s.rows,
      returning: p.returning ?? s.returning,
      loader: s.loader,
      runner: s.runner,
      fromSelect: 'fromSelect' in p ? p.fromSelect : s.fromSelect,
      onConflict: 'onConflict' in p ? p.onConflict : s.onConflict,
    };
    return new Insert<R2>(Object.freeze(next), true);
  }
  /** One row, or many rows in one statement (keys are column attribute names). */
  values(rows: Readonly<Record<string, unknown>> | readonly Readonly<Record<string, unknown>>[]): Insert<R> {
    const list = Array.isArray(rows) ? rows : [rows as Readonly<Record<string, unknown>>];
    for (const row of list) checkKeys(this.state.table, row, 'insert');
    return this.with({ rows: [...this.state.rows, ...list] });
  }
  /** `INSERT INTO t (cols) SELECT ...`. */
  fromSelect(columns: readonly string[], select: Select<unknown, unknown>): Insert<R> {
    for (const c of columns) this.state.table.column(c);
    return this.with({ fromSelect: { columns, select } });
  }
  /** `RETURNING` these expressions; with none, every column of the table. */
  returning(...exprs: Expr[]): Insert<R> {
    return this.with({ returning: exprs.length ? exprs : this.state.table.columns });
  }
  /** `ON CONFLICT (target) DO NOTHING`. */
  onConflictDoNothing(target?: readonly string[] | { constraint: string }): Insert<R> {
    return this.with({ onConflict: { target, set: undefined, where: undefined } });
  }
  /** `ON CONFLICT (target) DO UPDATE SET ...`; use `excluded('col')` for the proposed row's value. */
  onConflictDoUpdate(
    target: readonly string[] | { constraint: string },
    set: Readonly<Record<string, unknown>>,
    where?: Expr,
  ): Insert<R> {
    checkKeys(this.state.table, set, 'onConflictDoUpdate');
    return this.with({ onConflict: { target, set, where } });
  }
  compile(): { sql: string; params: unknown[] } {
    return compileWith(this.state.runner, this);
  }
  get gino(): GinoExtension<R, unknown> {
    return extensionOf<R, unknown>(this.state.runner, this, this.state.loader);
  }
}

/**
 * `UPDATE ... SET ... WHERE ... [RETURNING ...]`.
 *
 * @example
 * await User.update.values({ nickname: db.concat('Founding Member ', User.nickname) }).where(User.id.lt(10)).gino.status();
 */
export class Update<R = Record<string, unknown>> {
  readonly kind = 'update';
  readonly state: UpdateState;
  /** `complete`: `state` is already a whole, frozen state (from another statement). */
  constructor(state: Partial<UpdateState> & { table: Table }, complete?: true) {
    this.state = complete
      ? (state as UpdateState)
      : Object.freeze({
          values: {},
          where: undefined,
          returning: [],
          loader: undefined,
          runner: undefined,
          ...state,
        });
  }
  private with<R2 = R>(patch: Partial<UpdateState>): Update<R2> {
    const s = this.state;
    const p = patch;
    const next: UpdateState = {
      table: s.table,
      values: p.values ?? s.values,
      where: 'where' in p ? p.where : s.where,
      returning: p.returning ?? s.returning,
      loader: s.loader,
      runner: s.runner,
    };
    return new Update<R2>(Object.freeze(next), true);
  }
  /** Values to SET, by column attribute name; repeated calls merge. */
  values(values: Readonly<Record<string, unknown>>): Update<R> {
    checkKeys(this.state.table, values, 'update');
    return this.with({ values: { ...this.state.values, ...values } });
  }
  where(...clauses: Expr[]): Update<R> {
    return this.with({ where: andWhere(this.state.where, clauses) });
  }
  returning(...exprs: Expr[]): Update<R> {
    return this.with({ returning: exprs.length ? exprs : this.state.table.columns });
  }
  compile(): { sql: string; params: unknown[] } {
    return compileWith(this.state.runner, this);
  }
  get gino(): GinoExtension<R, unknown> {
    return extensionOf<R, unknown>(this.state.runner, this, this.state.loader);
  }
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
  /** `complete`: `state` is already a whole, frozen state (from another statement). */
  constructor(state: Partial<DeleteState> & { table: Table }, complete?: true) {
    this.state = complete
      ? (state as DeleteState)
      : Object.freeze({ where: undefined, returning: [], loader: undefined, runner: undefined, ...state });
  }
  private with<R2 = R>(patch: Partial<DeleteState>): Delete<R2> {
    const s = this.state;
    const p = patch;
    const next: DeleteState = {
      table: s.table,
      where: 'where' in p ? p.where : s.where,
      returning: p.returning ?? s.returning,
      loader: s.loader,
      runner: s.runner,
    };
    return new Delete<R2>(Object.freeze(next), true);
  }
  where(...clauses: Expr[]): Delete<R> {
    return this.with({ where: andWhere(this.state.where, clauses) });
  }
  returning(...exprs: Expr[]): Delete<R> {
    return this.with({ returning: exprs.length ? exprs : this.state.table.columns });
  }
  compile(): { sql: string; params: unknown[] } {
    return compileWith(this.state.runner, this);
  }
  get gino(): GinoExtension<R, unknown> {
    return extensionOf<R, unknown>(this.state.runner, this, this.state.loader);
  }
}

export type Statement = Select<unknown, unknown> | Insert<unknown> | Update<unknown> | Delete<unknown>;
