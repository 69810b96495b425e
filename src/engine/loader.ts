/**
 * Loaders turn result rows into objects. The query carries its loader (a model class, a column,
 * a tuple, a function, or a model loader from `Model.load(...)`); adapters only return arrays.
 */
import type { ResultColumn } from '../compiler/compiler.js';
import { InvalidRequestError } from '../errors.js';
import type { Expr } from '../sql/expr.js';
import { Column, type Table } from '../sql/schema.js';
import type { DriverField } from './adapter.js';

/** Per-query state shared by loaders (identity of parents seen so far, for one-to-many loads). */
export interface LoaderContext {
  readonly seen: Map<unknown, unknown>;
}

/** A loader prepared for one result's columns: row → value, and whether that value is new. */
export type PreparedLoader = (row: readonly unknown[], ctx: LoaderContext) => readonly [unknown, boolean];

export interface Loader {
  readonly isLoader: true;
  prepare(columns: readonly ResultColumn[], fields: readonly DriverField[]): PreparedLoader;
  /** Expressions this loader needs in the SELECT list (model loaders with `load()`). */
  readonly columns?: readonly Expr[];
}

/** A model class as the loader sees it. */
export interface ModelLike {
  new (): object;
  readonly __table__: Table;
}

export function isModelClass(value: unknown): value is ModelLike {
  return typeof value === 'function' && (value as { __table__?: unknown }).__table__ !== undefined;
}

/** Where each column of `table` is in the result (by expression, or by name for raw SQL). */
export function columnPositions(
  table: Table,
  columns: readonly ResultColumn[],
  fields: readonly DriverField[],
  owner?: object,
): { key: string; index: number }[] {
  const out: { key: string; index: number }[] = [];
  const want = owner ?? table;
  if (columns.length) {
    columns.forEach((rc, index) => {
      const e = rc.expr;
      if (e instanceof Column && (e.table === want || (owner === undefined && e.table === table))) {
        out.push({ key: e.key, index });
      }
    });
    return out;
  }
  for (const col of table.columns) {
    const index = fields.findIndex((f) => f.name === col.name);
    if (index !== -1) out.push({ key: col.key, index });
  }
  return out;
}

/** Rows as instances of a model class. */
export function modelLoader(model: ModelLike, owner?: object): Loader {
  return {
    isLoader: true,
    prepare(columns, fields) {
      const positions = columnPositions(model.__table__, columns, fields, owner);
      const n = positions.length;
      return (row) => {
        const instance = new model() as Record<string, unknown>;
        for (let i = 0; i < n; i++) {
          const p = positions[i] as { key: string; index: number };
          instance[p.key] = row[p.index];
        }
        return [instance, true];
      };
    },
  };
}

/** Rows as plain objects keyed by result column (attribute key, label, `count_1`), else field name. */
export const plainLoader: Loader = {
  isLoader: true,
  prepare(columns, fields) {
    const keys =
      columns.length === fields.length || fields.length === 0 ? columns.map((c) => c.key) : fields.map((f) => f.name);
    const n = keys.length;
    return (row) => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) out[keys[i] as string] = row[i];
      return [out, true];
    };
  },
};

function columnLoader(expr: Expr): Loader {
  return {
    isLoader: true,
    prepare(columns) {
      const index = columns.findIndex(
        (c) => c.expr === expr || (c.expr.kind === 'label' && (c.expr as { expr?: unknown }).expr === expr),
      );
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
      const prepared = loaders.map((l) => l.prepare(columns, fields));
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

/** Any loader form → a Loader. */
export function toLoader(value: unknown): Loader {
  if (value === undefined || value === null) return plainLoader;
  if ((value as Loader).isLoader === true) return value as Loader;
  if (isModelClass(value)) return modelLoader(value);
  if (Array.isArray(value)) return tupleLoader(value);
  if (value instanceof Column || (typeof value === 'object' && typeof (value as Expr).kind === 'string')) {
    return columnLoader(value as Expr);
  }
  if (typeof value === 'function')
    return callableLoader(value as (row: Record<string, unknown>, ctx: LoaderContext) => unknown);
  throw new InvalidRequestError(
    `cannot load rows with ${String(value)}: give a model, a column, a tuple or a function`,
  );
}
