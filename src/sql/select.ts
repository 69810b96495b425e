/** SELECT: an immutable builder; every method returns a new statement. */
import { InvalidRequestError } from '../errors.js';
import { NULLTYPE, type SqlType } from '../types/sqltypes.js';
import { andWhere, coerce, Exists, type Expr, Func, Label, ScalarSelect } from './expr.js';
import { compileWith, extensionOf, type GinoExtension, type Runner } from './runner.js';
import { Alias, asFromItem, Column, type FromItem, type HasTable, type SubquerySource, type Table } from './schema.js';

export interface ForUpdate {
  mode: 'UPDATE' | 'NO KEY UPDATE' | 'SHARE' | 'KEY SHARE';
  of?: readonly (Table | Alias)[];
  nowait?: boolean;
  skipLocked?: boolean;
}

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
  /** What turns rows into objects (a model class or a loader); travels with the query. */
  readonly loader: unknown;
  readonly runner: Runner | undefined;
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
  loader: undefined,
  runner: undefined,
});

const INT = coerce(0).type;

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
    loader: 'loader' in p ? p.loader : s.loader,
    runner: 'runner' in p ? p.runner : s.runner,
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

/**
 * A SELECT statement. `R` is what a row becomes, `S` the value of `scalar()`.
 *
 * @example
 * await User.query.where(User.id.lt(10)).orderBy(User.id.desc()).limit(5).gino.all();
 */
export class Select<R = Record<string, unknown>, S = unknown> {
  readonly kind = 'select';
  readonly state: SelectState;
  /** `complete`: `state` is already a whole, frozen state (from another statement). */
  constructor(state: Partial<SelectState>, complete?: true) {
    this.state = complete ? (state as SelectState) : patched(EMPTY, state);
  }

  private with<R2 = R, S2 = S>(patch: Partial<SelectState>): Select<R2, S2> {
    return new Select<R2, S2>(patched(this.state, patch), true);
  }

  /** Add conditions; repeated calls are joined with AND. */
  where(...clauses: Expr[]): Select<R, S> {
    return this.with({ where: andWhere(this.state.where, clauses) });
  }
  orderBy(...exprs: Expr[]): Select<R, S> {
    return this.with({ orderBy: [...this.state.orderBy, ...expressions('orderBy', exprs)] });
  }
  limit(n: number | Expr | null): Select<R, S> {
    return this.with({ limit: n === null ? undefined : coerce(n, INT) });
  }
  offset(n: number | Expr | null): Select<R, S> {
    return this.with({ offset: n === null ? undefined : coerce(n, INT) });
  }
  groupBy(...exprs: Expr[]): Select<R, S> {
    return this.with({ groupBy: [...this.state.groupBy, ...expressions('groupBy', exprs)] });
  }
  having(...clauses: Expr[]): Select<R, S> {
    return this.with({ having: andWhere(this.state.having, clauses) });
  }
  /** `SELECT DISTINCT`, or `DISTINCT ON (exprs)` when given expressions. */
  distinct(...on: Expr[]): Select<R, S> {
    return this.with({ distinct: on.length ? on : true });
  }
  /** `FOR UPDATE` (or `mode: 'SHARE'` ...), with `nowait`, `skipLocked`, `of`. */
  forUpdate(options: Partial<ForUpdate> = {}): Select<R, S> {
    return this.with({ forUpdate: { mode: 'UPDATE', ...options } });
  }
  /** Replace the FROM list (joins are FROM items: `User.join(Team)`). */
  selectFrom(...items: (FromItem | HasTable)[]): Select<R, S> {
    return this.with({ from: items.map(asFromItem) });
  }
  /** Join onto the last FROM item; without `on`, the foreign key between them is used. */
  join(right: FromItem | HasTable, on?: Expr): Select<R, S> {
    return this.joined(asFromItem(right), on, false);
  }
  outerjoin(right: FromItem | HasTable, on?: Expr): Select<R, S> {
    return this.joined(asFromItem(right), on, true);
  }
  private joined(right: FromItem, on: Expr | undefined, outer: boolean): Select<R, S> {
    const from = this.state.from.length ? [...this.state.from] : inferFrom(this.state.columns).slice(0, 1);
    const last = from.pop();
    if (!last) throw new InvalidRequestError('join() needs a table to join onto: select columns or call selectFrom()');
    return this.with({ from: [...from, outer ? last.outerjoin(right, on) : last.join(right, on)] });
  }
  /** Add result columns. */
  column(...exprs: Expr[]): Select<Record<string, unknown>, S> {
    return this.with({ columns: [...this.state.columns, ...exprs], loader: undefined });
  }
  /** Replace the result columns. */
  withOnlyColumns(...exprs: Expr[]): Select<Record<string, unknown>, unknown> {
    return this.with({ columns: exprs, loader: undefined });
  }
  /** `(SELECT ...) AS name`, usable as a FROM item; its columns are `alias.c.<key>`. */
  alias(name: string): Alias {
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
    return compileWith(this.state.runner, this);
  }
  /** Run it: `all first one oneOrNone scalar status iterate load model timeout`. */
  get gino(): GinoExtension<R, S> {
    return extensionOf<R, S>(this.state.runner, this, this.state.loader);
  }
}

/** The tables a SELECT reads when no FROM was given: those of its columns, in order. */
export function inferFrom(exprs: readonly Expr[]): FromItem[] {
  const out: FromItem[] = [];
  for (const e of exprs) collectFrom(e, out);
  return out;
}

/** Append to `out` the tables (or aliases) whose columns `e` names and `out` lacks, in order. */
export function collectFrom(e: Expr | undefined, out: FromItem[]): void {
  if (!e) return;
  switch (e.kind) {
    case 'column': {
      const owner = (e as Column).table;
      if (!out.includes(owner)) out.push(owner);
      return;
    }
    case 'label':
    case 'grouping':
    case 'cast':
      collectFrom((e as unknown as { expr: Expr }).expr, out);
      return;
    case 'func':
      for (const a of (e as Func).args) collectFrom(a, out);
      return;
    case 'binary':
      collectFrom((e as unknown as { left: Expr }).left, out);
      collectFrom((e as unknown as { right: Expr }).right, out);
      return;
    case 'unary':
      collectFrom((e as unknown as { operand: Expr }).operand, out);
      return;
    case 'list':
      for (const c of (e as unknown as { clauses: Expr[] }).clauses) collectFrom(c, out);
      return;
    default:
      return;
  }
}

/** The result columns of a SELECT, named as rows will key them. */
export function outputColumns(select: Select<unknown, unknown>): { key: string; name: string; type: SqlType }[] {
  const counters = new Map<string, number>();
  return select.state.columns.map((e) => {
    const key = resultKey(e, counters);
    // A bare column keeps its database name in the output; everything else is labelled with its key.
    return { key, name: e instanceof Column ? e.name : key, type: e.type ?? NULLTYPE };
  });
}

/** GINO's key of a result column: attribute key, label, `<func>_<n>`, else `anon_<n>`. */
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
