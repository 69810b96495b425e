/**
 * Row shapers: what turns a result's rows into the values a query returns. The query carries its
 * loader — a column, a tuple, a function, a value, or any object that makes its own loader (model
 * classes and model loaders do, in the ORM layer) — and adapters only return arrays.
 */
import type { ResultColumn } from '../compiler/compiler.js';
import { InvalidRequestError } from '../errors.js';
import type { Expr } from '../sql/expr.js';
import { distinctKeys } from '../sql/select.js';
import { type Alias, Column, type FromItem, type Table } from '../sql/table.js';
import type { DriverField } from './adapter.js';
import { queryCache } from './cache.js';

/**
 * The method by which an object or class makes its loader (a model class loads its instances;
 * a model alias loads them from the alias's columns).
 */
export const toLoaderOf: unique symbol = Symbol('gino-edge.toLoader');

/** Something that makes its own loader. */
export interface LoaderSource {
  [toLoaderOf](): Loader;
}

/** Per-query state shared by loaders (the instances distinct loaders made so far). */
export interface LoaderContext {
  readonly seen: Map<unknown, unknown>;
}

/**
 * A loader prepared for one result's columns: row → `[value, isNew]`. `isNew` is false when a
 * distinct loader gave back an instance it made for an earlier row, and null when there is
 * nothing to load (a related row of NULLs from an outer join): the value is then not used.
 */
export type PreparedLoader = (row: readonly unknown[], ctx: LoaderContext) => readonly [unknown, boolean | null];

export interface Loader {
  readonly isLoader: true;
  /**
   * `nested`: prepared for a part of each row (a related loader, a tuple's element) rather than the
   * whole row; a model loader then gives null for a part that is all NULLs.
   */
  prepare(columns: readonly ResultColumn[], fields: readonly DriverField[], nested?: boolean): PreparedLoader;
  /** Expressions this loader needs in the SELECT list (for `loader.query`). */
  readonly columns?: readonly Expr[];
  /** What to select them from (for `loader.query`); a related loader's FROM is outer-joined. */
  readonly from?: FromItem | undefined;
  /** The ON clause joining this loader's FROM to its parent's (else the foreign key is used). */
  readonly onClause?: Expr | undefined;
  /**
   * When rows fold into this loader's own objects (a distinct model loader): the table or alias one
   * of whose rows is one object. LIMIT, OFFSET and `paginate()` then count its rows (by primary key),
   * not the joined rows.
   */
  readonly parent?: Table | Alias | undefined;
}

/**
 * Rows as plain objects keyed by result column (attribute key, label, `count_1`; keys the compiler
 * made distinct), else by field name for raw SQL (a repeated name gets `_1`, `_2`, ...: no value is
 * dropped). As GINO's rows are, each is also readable by position (`row[0]`) and a selected column
 * by the column itself (`row[User.id]`), through the row's prototype (not own keys); a key such as
 * `__proto__` is an own property like any other.
 */
export const plainLoader: Loader = {
  isLoader: true,
  prepare(columns, fields) {
    const byColumns = columns.length === fields.length || fields.length === 0;
    const keys = byColumns ? columns.map((c) => c.key) : distinctKeys(fields.map((f) => f.name));
    const make = rowMaker(keys, byColumns ? columns : undefined);
    const prepared: PreparedLoader = (row) => [make(row), true];
    makers.set(prepared, make);
    return prepared;
  },
};

/** The row makers of prepared plain loaders: a new value for every row, nothing folded. */
const makers = new WeakMap<PreparedLoader, (row: readonly unknown[]) => unknown>();

/**
 * The function a prepared loader turns each row into its value with, when that value is always new
 * (a plain loader's row object): shaping many rows can call it without the `[value, isNew]` pair.
 */
export function rowMakerOf(prepared: PreparedLoader): ((row: readonly unknown[]) => unknown) | undefined {
  return makers.get(prepared);
}

/** Builds a row object from values, for one list of keys. */
function rowMaker(
  keys: readonly string[],
  columns: readonly ResultColumn[] | undefined,
): (row: readonly unknown[]) => object {
  const n = keys.length;
  const proto = rowAccessors(keys, columns);
  if (keys.includes('__proto__')) {
    return (row) => {
      const out: Record<string, unknown> = Object.create(proto);
      for (let i = 0; i < n; i++) {
        Object.defineProperty(out, keys[i] as string, {
          value: row[i],
          writable: true,
          enumerable: true,
          configurable: true,
        });
      }
      return out;
    };
  }
  return (row) => {
    const out: Record<string, unknown> = Object.create(proto);
    for (let i = 0; i < n; i++) out[keys[i] as string] = row[i];
    return out;
  };
}

/**
 * A prototype whose getters read a value by its position (`row[0]`) and, for a selected column, by
 * the column (`row[User.id]`); a key of the row itself is never shadowed. Statements whose result
 * lists are built per call (RETURNING, `db.select([...])`) share one prototype per signature (kept
 * in the query cache), so their rows keep one shape.
 */
function rowAccessors(keys: readonly string[], columns: readonly ResultColumn[] | undefined): object {
  let signature = columns ? '' : '\u0002';
  for (let i = 0; i < keys.length; i++) {
    const e = columns?.[i]?.expr;
    signature += `${e instanceof Column ? String(e) : ''}\u0001${keys[i]}\u0000`;
  }
  const prototypes = queryCache.rowPrototypes;
  const known = prototypes.get(signature);
  if (known) return known;
  const proto: object = {};
  const define = (name: string, key: string) => {
    if (Object.hasOwn(proto, name) || keys.includes(name)) return;
    Object.defineProperty(proto, name, {
      get(this: Record<string, unknown>) {
        return this[key];
      },
      enumerable: false,
    });
  };
  keys.forEach((key, i) => {
    define(String(i), key);
  });
  columns?.forEach((c, i) => {
    if (c.expr instanceof Column) define(String(c.expr), keys[i] as string);
  });
  // Bounded: a program making endless distinct result lists gets fresh prototypes past the cap.
  return prototypes.set(signature, proto);
}

/** Where `expr` is in the result: by identity (or the label around it), else by name for raw SQL. */
export function indexOf(expr: Expr, columns: readonly ResultColumn[], fields: readonly DriverField[]): number {
  if (columns.length) {
    return columns.findIndex(
      (c) => c.expr === expr || (c.expr.kind === 'label' && (c.expr as { expr?: unknown }).expr === expr),
    );
  }
  return expr instanceof Column ? fields.findIndex((f) => f.name === expr.name) : -1;
}

function columnLoader(expr: Expr): Loader {
  return {
    isLoader: true,
    prepare(columns, fields) {
      let index = indexOf(expr, columns, fields);
      // GINO loads a label by its name.
      if (index === -1 && expr.kind === 'label') {
        const name = (expr as { name?: string }).name;
        index = columns.length ? columns.findIndex((c) => c.key === name) : fields.findIndex((f) => f.name === name);
      }
      if (index === -1) throw new InvalidRequestError('the column given to load() is not in the SELECT list');
      return (row) => [row[index], true];
    },
  };
}

function tupleLoader(items: readonly unknown[]): Loader {
  const loaders = items.map(toLoader);
  return {
    isLoader: true,
    columns: loaders.flatMap((l) => l.columns ?? []),
    prepare(columns, fields) {
      const prepared = loaders.map((l) => l.prepare(columns, fields, true));
      return (row, ctx) => [prepared.map((p) => p(row, ctx)[0]), true];
    },
  };
}

function callableLoader(fn: (row: Record<string, unknown>, ctx: LoaderContext) => unknown): Loader {
  return {
    isLoader: true,
    prepare(columns, fields) {
      const plain = plainLoader.prepare(columns, fields);
      return (row, ctx) => [fn(plain(row, ctx)[0] as Record<string, unknown>, ctx), true];
    },
  };
}

/** GINO's ValueLoader: the same value for every row (a separator in a tuple, a constant attribute). */
function valueLoader(value: unknown): Loader {
  return { isLoader: true, prepare: () => () => [value, true] };
}

/** Any loader form → a Loader. */
export function toLoader(value: unknown): Loader {
  if (value === undefined || value === null) return plainLoader;
  if ((value as Loader).isLoader === true) return value as Loader;
  if ((value as Partial<LoaderSource>)[toLoaderOf] !== undefined) return (value as LoaderSource)[toLoaderOf]();
  if (Array.isArray(value)) return tupleLoader(value);
  if (value instanceof Column || (typeof value === 'object' && typeof (value as Expr).kind === 'string')) {
    return columnLoader(value as Expr);
  }
  if (typeof value === 'function' && /^class\b/.test(Function.prototype.toString.call(value))) {
    throw new InvalidRequestError(
      `${(value as { name?: string }).name || 'this class'} has no table (an abstract model?): it cannot load rows`,
    );
  }
  if (typeof value === 'function')
    return callableLoader(value as (row: Record<string, unknown>, ctx: LoaderContext) => unknown);
  if (typeof value !== 'object') return valueLoader(value);
  throw new InvalidRequestError(
    `cannot load rows with ${String(value)}: give a model, a model loader, a column, a tuple, a function or a value`,
  );
}
