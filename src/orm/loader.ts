/**
 * Loaders turn result rows into objects (GINO's `loader.py`). The query carries its loader — a
 * model class, a column, a tuple, a function, a value, or a model loader from `Model.load(...)` —
 * and adapters only return arrays.
 *
 * A model loader is also a query builder: `User.load({ team: Team }).query` selects both models'
 * columns from `users LEFT OUTER JOIN teams ON <foreign key>`, so a graph of related objects costs
 * one statement. Distinct loaders (`Parent.distinct(Parent.id)`) reuse the instance already made
 * for the same key, which is how one-to-many and many-to-many results are folded.
 */
import type { ResultColumn } from '../compiler/compiler.js';
import type { DriverField } from '../engine/adapter.js';
import { toStatementOf } from '../engine/execute.js';
import { indexOf, type Loader, type PreparedLoader, toLoader, toLoaderOf } from '../engine/shape.js';
import { InvalidRequestError, modelName } from '../errors.js';
import type { GinoExtension, LoadedBy } from '../sql/executor.js';
import type { Expr } from '../sql/expr.js';
import { Select } from '../sql/select.js';
import { Alias, Column, type FromItem, type HasTable, type Join, noSuchColumn, type Table } from '../sql/table.js';
import { type HostedModel, hostOf } from './host.js';
import { relatedLoader, relationshipOf } from './relationship.js';

/** A model class as the loader sees it: it makes instances, and its Gino instance runs its queries. */
export interface ModelLike extends HostedModel {
  new (): object;
}

/**
 * A distinct key for a list of values: equal keys exactly when the values are equal (Dates by
 * time, arrays and objects by their contents). Every part is self-delimiting — a type letter,
 * then a length or a terminator that its text cannot hold — so no value's text can pass for
 * another's, nor for a separator. One value alone (the usual single key column) needs no
 * delimiting: a primitive's key is one concatenation.
 */
function distinctKey(values: readonly unknown[]): string {
  if (values.length === 1) {
    const v = values[0];
    if (typeof v === 'string') return `s${v}`;
    if (typeof v === 'number') return `n${v}`;
    if (typeof v === 'bigint') return `i${v}`;
  }
  let key = '';
  for (const v of values) key = keyPart(key, v);
  return key;
}

/** `key` with one value's self-delimiting part appended. */
function keyPart(key: string, v: unknown): string {
  switch (typeof v) {
    case 'undefined':
      return `${key}z`;
    case 'string':
      return `${key}s${v.length}:${v}`;
    // Neither a number's nor a bigint's text holds ';'.
    case 'number':
      return `${key}n${v};`;
    case 'bigint':
      return `${key}i${v};`;
    case 'boolean':
      return `${key}${v ? 't' : 'f'}`;
    case 'object': {
      if (v === null) return `${key}z`;
      if (v instanceof Date) return `${key}d${v.getTime()};`;
      if (v instanceof Uint8Array) {
        let out = `${key}b${v.length}:`;
        for (const byte of v) out += String.fromCharCode(byte);
        return out;
      }
      if (Array.isArray(v)) {
        let out = `${key}a${v.length}:`;
        for (const item of v) out = keyPart(out, item);
        return out;
      }
      const entries = Object.entries(v);
      let out = `${key}o${entries.length}:`;
      for (const [k, item] of entries) out = keyPart(`${out}${k.length}:${k}`, item);
      return out;
    }
    case 'symbol':
    case 'function':
      throw new InvalidRequestError(`a distinct loader cannot key rows by a ${typeof v}`);
  }
}

/** How a related value reaches an instance: a method named by the key is called, else it is assigned. */
function isMethod(model: ModelLike, key: string): boolean {
  for (
    let proto = model.prototype as object | null;
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    const d = Object.getOwnPropertyDescriptor(proto, key);
    if (d) return typeof d.value === 'function';
  }
  return false;
}

/**
 * An instance with what related loaders add: each key not already declared on it (a method or
 * setter named by the key receives the value instead) becomes an optional attribute — unset when
 * the related row was all NULLs.
 */
export type WithRelated<T, E> = keyof Related<T, E> extends never ? T : T & Related<T, E>;
type Related<T, E> = { [K in keyof E as K extends keyof T ? never : K]?: LoadedBy<E[K]> };

/** A column of the loaded model, by attribute key or as a column. */
type ColumnRef = string | Column;

interface ModelLoaderState {
  /** The columns to load (all of the source's when undefined). */
  readonly only: readonly Column[] | undefined;
  /** Related loaders, by the attribute (or method) that receives their value. */
  readonly extras: readonly (readonly [string, Loader])[];
  readonly on: Expr | undefined;
  readonly distinct: readonly Expr[] | undefined;
}

const INITIAL: ModelLoaderState = { only: undefined, extras: [], on: undefined, distinct: undefined };

/**
 * GINO's ModelLoader: rows (or part of each row) as instances of a model, with related loaders
 * whose values are set on each instance (or given to a method of that name), and the query that
 * selects all of it. Immutable: every method returns a new loader.
 *
 * @example
 * const users = await User.load({ team: Team }).query.where(User.id.lt(10)).gino.all();
 * const teams = await db.select([...Team.__table__.columns, ...User.__table__.columns])
 *   .selectFrom(Team.outerjoin(User))
 *   .gino.load(Team.distinct(Team.id).load({ addMember: User })).all();
 */
export class ModelLoader<T = unknown> implements Loader {
  readonly isLoader = true;
  /** Phantom: what each row becomes (for `LoadedBy`). */
  declare readonly __loaded?: T;

  constructor(
    readonly model: ModelLike,
    /** The model's table, or an alias of it (self-joins). */
    readonly source: Table | Alias,
    readonly state: ModelLoaderState = INITIAL,
  ) {}

  private with<U = T>(patch: Partial<ModelLoaderState>): ModelLoader<U> {
    return new ModelLoader<U>(this.model, this.source, { ...this.state, ...patch });
  }

  private column(ref: string | Column): Column {
    if (typeof ref === 'string') {
      const found =
        this.source.kind === 'table' ? (this.source.c[ref] ?? undefined) : ((this.source as Alias).c[ref] ?? undefined);
      if (!found) throw noSuchColumn(modelName(this.model), ref, this.source.columns);
      return found;
    }
    if (ref instanceof Column && ref.table === this.source) return ref;
    throw new InvalidRequestError(
      `that column does not belong to ${modelName(this.model)}${this.source.kind === 'alias' ? ` AS ${this.source.name}` : ''}`,
    );
  }

  /**
   * Load only these columns (names or columns), and/or set related loaders:
   * `User.load('id', 'nickname')`, `User.load({ team: Team })`, `Parent.load({ addChild: Child })`.
   */
  load(...columns: ColumnRef[]): ModelLoader<T>;
  load<const E extends Readonly<Record<string, unknown>>>(
    ...args: [...columns: ColumnRef[], related: E]
  ): ModelLoader<WithRelated<T, E>>;
  load(...args: (ColumnRef | Readonly<Record<string, unknown>>)[]): ModelLoader<unknown> {
    const last = args[args.length - 1];
    const hasExtras = last !== undefined && typeof last === 'object' && !(last instanceof Column);
    const given = (hasExtras ? args.slice(0, -1) : args) as (string | Column)[];
    // A name of a relationship loads it (`Post.load('author')`); other names are columns.
    const relations = given.filter((r): r is string => typeof r === 'string' && !!relationshipOf(this.model, r));
    const refs = given.filter((r) => !relations.includes(r as string));
    const extras: [string, unknown][] = [
      ...relations.map((k): [string, unknown] => [k, undefined]),
      ...(hasExtras ? Object.entries(last as Record<string, unknown>) : []),
    ];
    const merged = this.state.extras.filter(([k]) => !extras.some(([key]) => key === k));
    const loaderOf = (k: string, v: unknown): Loader => relatedLoader(this.model, this.source, k, v) ?? toLoader(v);
    return this.with({
      only: refs.length ? refs.map((r) => this.column(r)) : this.state.only,
      extras: [...merged, ...extras.map(([k, v]) => [k, loaderOf(k, v)] as const)],
    });
  }

  /** The ON clause joining this model to its parent in `query` (instead of the foreign key). */
  on(clause: Expr): ModelLoader<T> {
    return this.with({ on: clause });
  }

  /** Reuse the instance made for an earlier row with the same values of these columns. */
  distinct(...columns: (string | Column | Expr)[]): ModelLoader<T> {
    const list = columns.map((c) => (typeof c === 'string' ? this.column(c) : c));
    return this.with({ distinct: list.length ? list : undefined });
  }

  get onClause(): Expr | undefined {
    return this.state.on;
  }

  /** Whether several rows may make one instance: a distinct loader here or among the related ones. */
  get folds(): boolean {
    return this.state.distinct !== undefined || this.state.extras.some(([, l]) => l.folds === true);
  }

  /** The columns this loader reads, then those of its related loaders. */
  get columns(): readonly Expr[] {
    const own = this.state.only ?? this.source.columns;
    return [...own, ...this.state.extras.flatMap(([, l]) => l.columns ?? [])];
  }

  /** This model's table (or alias), LEFT OUTER JOINed to each related loader's FROM. */
  get from(): FromItem {
    let from: FromItem = this.source;
    for (const [key, l] of this.state.extras) {
      if (!l.from) continue;
      try {
        from = from.outerjoin(l.from, l.onClause);
      } catch (error) {
        if (!(error instanceof InvalidRequestError)) throw error;
        throw new InvalidRequestError(
          `${modelName(this.model)}.load({ ${key} }): ${error.message.replace(/; give the join.*/, '')}; ` +
            `say how with .on(clause), e.g. ${key}: Other.on(Other.id.eq(${modelName(this.model)}.otherId))`,
          { cause: error },
        );
      }
    }
    return from;
  }

  /** `SELECT <columns> FROM <from>` that loads with this loader. */
  get query(): Select<T, unknown> {
    return new Select<T, unknown>({ columns: this.columns, from: [this.from], loader: this }, this.model[hostOf]);
  }

  /** `loader.query.where(...)`. */
  where(...clauses: Expr[]): Select<T, unknown> {
    return this.query.where(...clauses);
  }

  /** A model loader runs as its query: `db.all(User.load({ team: Team }))`. */
  [toStatementOf](): Select<T, unknown> {
    return this.query;
  }

  /** `loader.query.gino`: `await User.load({ team: Team }).gino.all()`. */
  get gino(): GinoExtension<T, unknown> {
    return this.query.gino;
  }

  prepare(columns: readonly ResultColumn[], fields: readonly DriverField[], nested = false): PreparedLoader {
    const { model, source } = this;
    const wanted = this.state.only ? new Set(this.state.only.map((c) => c.key)) : undefined;
    const positions: { key: string; index: number }[] = [];
    for (const col of source.columns) {
      if (wanted && !wanted.has(col.key)) continue;
      // A subquery's other columns (a count, a label) are not the model's.
      if (!model.__table__.c[col.key]) continue;
      const index = indexOf(col, columns, fields);
      if (index !== -1) positions.push({ key: col.key, index });
    }
    if (positions.length === 0) {
      throw new InvalidRequestError(
        `none of ${modelName(model)}'s columns${source.kind === 'alias' ? ` (as ${source.name})` : ''} are in the SELECT list; select them (or use ${modelName(model)}.load(...).query)`,
      );
    }
    const distinct = this.state.distinct?.map((expr) => {
      const index = indexOf(expr, columns, fields);
      if (index === -1) throw new InvalidRequestError(`distinct(): a column of ${modelName(model)} is not selected`);
      return index;
    });
    const extras = this.state.extras.map(
      ([key, l]) => [key, l.prepare(columns, fields, true), isMethod(model, key)] as const,
    );
    const n = positions.length;
    const build = (row: readonly unknown[]): object | null => {
      let allNull = true;
      for (let i = 0; i < n; i++) {
        if (row[(positions[i] as { index: number }).index] !== null) {
          allNull = false;
          break;
        }
      }
      // GINO 1.1 (#729): a related loader's row of NULLs (an outer join that found nothing) is no
      // instance at all; the top-level loader makes an empty one, so no row is ever dropped.
      if (allNull && nested) return null;
      const instance = new model() as Record<string, unknown>;
      for (let i = 0; i < n; i++) {
        const p = positions[i] as { key: string; index: number };
        instance[p.key] = row[p.index];
      }
      return instance;
    };
    return (row, ctx) => {
      let instance: object | null;
      let isNew = true;
      if (distinct) {
        let seen = ctx.seen.get(this) as Map<string, object | null> | undefined;
        if (!seen) {
          seen = new Map();
          ctx.seen.set(this, seen);
        }
        const key = distinctKey(distinct.map((i) => row[i]));
        if (seen.has(key)) {
          instance = seen.get(key) ?? null;
          isNew = false;
        } else {
          instance = build(row);
          seen.set(key, instance);
        }
      } else {
        instance = build(row);
      }
      if (instance === null) return [null, null];
      const target = instance as Record<string, unknown>;
      for (const [key, prepared, method] of extras) {
        const [value, status] = prepared(row, ctx);
        if (status === null) continue;
        if (method) (target[key] as (v: unknown) => void)(value);
        else target[key] = value;
      }
      return [instance, isNew];
    };
  }
}

/**
 * `Model.alias(name?)`: the model's table under another name, for self-joins. Its columns are
 * properties (`Parent.id`, or `Parent.c.<key>`); as a loader it loads instances of the model.
 *
 * @example
 * const Parent = Category.alias();
 * const leaves = await Category.load({ parent: Parent.on(Category.parentId.eq(Parent.id)) }).gino.all();
 */
export class ModelAlias extends Alias {
  /** Phantom: what it loads (typed per model by `ModelAliasOf`). */
  declare readonly __loaded?: unknown;
  constructor(
    readonly model: ModelLike,
    table: Table,
    name?: string,
  ) {
    super(table, name);
    for (const col of this.columns) {
      if (!(col.key in this)) Object.defineProperty(this, col.key, { value: col, enumerable: true });
    }
  }
  /** A join of the alias, whose `select()` runs on the model's Gino. */
  override join(right: FromItem | HasTable, on?: Expr): Join {
    return super.join(right, on).withExecutor(this.model[hostOf]);
  }
  override outerjoin(right: FromItem | HasTable, on?: Expr): Join {
    return super.outerjoin(right, on).withExecutor(this.model[hostOf]);
  }
  /** As a loader, the alias loads instances of its model from its columns. */
  [toLoaderOf](): ModelLoader<unknown> {
    return this.load();
  }
  /** A model loader over this alias (see `ModelLoader.load`). */
  load(...args: (ColumnRef | Readonly<Record<string, unknown>>)[]): ModelLoader<unknown> {
    const loader = new ModelLoader<unknown>(this.model, this);
    return args.length ? (loader.load as (...a: unknown[]) => ModelLoader<unknown>)(...args) : loader;
  }
  on(clause: Expr): ModelLoader<unknown> {
    return this.load().on(clause);
  }
  distinct(...columns: (string | Column | Expr)[]): ModelLoader<unknown> {
    return this.load().distinct(...columns);
  }
}
