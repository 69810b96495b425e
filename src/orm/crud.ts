/**
 * Model CRUD, as GINO does it: create (RETURNING every column), get by primary key, instance
 * update requests that SET and RETURN only what changed, and instance delete.
 */
import { compile } from '../compiler/compiler.js';
import { queryCache } from '../engine/cache.js';
import type { QueryRunner } from '../engine/engine.js';
import { Precompiled } from '../engine/execute.js';
import { InvalidRequestError, modelName, NoSuchRowError } from '../errors.js';
import { Delete, Insert, Update } from '../sql/dml.js';
import { and, Bind, type Expr, isExpr } from '../sql/expr.js';
import { Select } from '../sql/select.js';
import { type Column, noSuchColumn, type Table } from '../sql/table.js';
import { hostOf, type ModelHost } from './host.js';
import { applyDefaults, type BoundProperty, mergedValue, objectIn, propertiesOf, reloadProperty } from './json.js';

/** Where a CRUD call runs (`bind`: an Engine, a connection or a transaction), and its time limit. */
export interface BindOption {
  bind?: unknown;
  /** Cancel the statement on the server after this many milliseconds (`QueryTimeoutError`), as GINO's `timeout`. */
  timeout?: number;
}

/** What CRUD needs of a model class: its constructor, its table and the Gino instance it belongs to. */
export interface ModelRuntime {
  new (values?: Record<string, unknown>): object;
  readonly __table__: Table;
  readonly name: unknown;
  readonly [hostOf]: ModelHost;
}

export function tableOf(model: ModelRuntime): Table {
  const table = model.__table__;
  if (!table) {
    throw new InvalidRequestError(
      `${modelName(model)} is abstract (it has no __tablename__): define a model with __tablename__ to query it`,
    );
  }
  return table;
}

/** Where the model's statement runs: `bind`, else the current binding of the model's Gino instance. */
function runnerOf(model: ModelRuntime, bind: unknown): QueryRunner {
  return model[hostOf].runnerFor(bind);
}

/** The instance's column values, by attribute key, skipping unset ones. */
export function valuesOf(instance: object, table: Table): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const rec = instance as Record<string, unknown>;
  for (const col of table.columns) {
    const v = rec[col.key];
    if (v !== undefined) out[col.key] = v;
  }
  return out;
}

function assignRow(instance: object, row: Record<string, unknown> | null): void {
  if (row) Object.assign(instance, row);
}

/**
 * The columns the model says must be given (NOT NULL, no default of the model's or the server's, not
 * a serial key), checked before any I/O: PostgreSQL would refuse the row anyway, naming one column.
 */
function checkRequired(model: ModelRuntime, table: Table, values: Record<string, unknown>): void {
  const missing = table.columns.filter(
    (c) =>
      !c.nullable &&
      !c.serial &&
      c.options.default === undefined &&
      c.options.serverDefault === undefined &&
      (values[c.key] === undefined || values[c.key] === null),
  );
  if (missing.length === 0) return;
  const list = missing.map((c) => `${c.key}${values[c.key] === null ? ' (got null)' : ''}`).join(', ');
  throw new InvalidRequestError(
    `${modelName(model)}.create() needs ${list}: ${missing.length === 1 ? 'the column is' : 'the columns are'} NOT NULL ` +
      'with no default; give a value, or declare a default (or serverDefault) in the model',
  );
}

/** `INSERT ... RETURNING <every column>`, and the instance takes what the server returned. */
export async function createInstance<T extends object>(
  instance: T,
  model: ModelRuntime,
  options: BindOption = {},
): Promise<T> {
  const table = tableOf(model);
  applyDefaults(instance, propertiesOf(table));
  const values = valuesOf(instance, table);
  checkRequired(model, table, values);
  const insert = new Insert({ table }).values(values).returning();
  const row = (await runnerOf(model, options.bind).run(insert, undefined, 'first', null, options.timeout)) as Record<
    string,
    unknown
  > | null;
  assignRow(instance, row);
  return instance;
}

/**
 * The primary-key values of an ident, in key order, checked (count, names, no nulls): a scalar,
 * an array in key order, or an object by attribute key and/or position (`{ 0: 'a', lastName: 'b' }`).
 */
export function identValues(model: ModelRuntime, ident: unknown): unknown[] {
  const table = tableOf(model);
  const pk = table.primaryKey;
  const name = modelName(model);
  if (pk.length === 0) {
    throw new InvalidRequestError(`${name} has no primary key, so get() cannot find a row; query it with where()`);
  }
  const keys = pk.map((c) => c.key).join(', ');
  let values: unknown[];
  if (Array.isArray(ident)) {
    values = ident;
  } else if (
    ident !== null &&
    typeof ident === 'object' &&
    !(ident instanceof Date) &&
    !(ident instanceof Uint8Array)
  ) {
    // By attribute key, or by position in the key (GINO's `{0: 'a', 1: 'b'}`), or both mixed.
    const obj = ident as Record<string, unknown>;
    const given = Object.keys(obj);
    const refused = (why: string) =>
      new InvalidRequestError(`${name}.get() expected the primary key {${keys}}, got {${given.join(', ')}}: ${why}`);
    if (given.length !== pk.length) {
      throw refused(`expected ${pk.length} value${pk.length === 1 ? '' : 's'}, got ${given.length}`);
    }
    values = pk.map((c, i) => {
      if (Object.hasOwn(obj, c.key)) return obj[c.key];
      if (Object.hasOwn(obj, String(i))) return obj[String(i)];
      throw refused(`no value for ${c.key} (give it by its attribute key or its position, ${i})`);
    });
  } else {
    values = [ident];
  }
  if (values.length !== pk.length) {
    throw new InvalidRequestError(
      `${name}.get() expected ${pk.length} primary-key value${pk.length === 1 ? '' : 's'} (${keys}), got ${values.length}`,
    );
  }
  values.forEach((v, i) => {
    if (v === null || v === undefined) {
      throw new InvalidRequestError(`${name}.get(): primary-key value for ${pk[i]?.key} is ${v}`);
    }
  });
  return values;
}

/** `pk1 = v1 AND pk2 = v2 ...` for a table's primary key. */
function pkWhere(table: Table, values: readonly unknown[]): Expr {
  return and(...table.primaryKey.map((c, i) => c.eq(values[i])));
}

/** The WHERE clause for a primary-key value given as a scalar, an array or an object. */
export function identWhere(model: ModelRuntime, ident: unknown): Expr {
  return pkWhere(tableOf(model), identValues(model, ident));
}

/** A plain value (a bind parameter), not an expression or a subquery standing in for one. */
function isPlainValue(value: unknown): boolean {
  return !isExpr(value) && !(typeof value === 'object' && (value as { kind?: unknown }).kind === 'select');
}

export interface GetOptions extends BindOption {
  /** Lock the row: `true` for FOR UPDATE, or `{ nowait, skipLocked, mode }`. */
  forUpdate?:
    | boolean
    | { nowait?: boolean; skipLocked?: boolean; mode?: 'UPDATE' | 'NO KEY UPDATE' | 'SHARE' | 'KEY SHARE' };
}

/** `SELECT ... WHERE pk = $1`: an instance, or null. */
export async function getInstance(model: ModelRuntime, ident: unknown, options: GetOptions = {}): Promise<unknown> {
  const table = tableOf(model);
  const runner = runnerOf(model, options.bind);
  const values = identValues(model, ident);
  if (!options.forUpdate && values.every(isPlainValue)) {
    // Baked once per table: its SQL never changes, only the key values. Compiled from placeholders
    // of the key columns' types, never from a caller's values.
    let baked = queryCache.bakedQuery(table, 'get');
    if (!baked) {
      const placeholders = table.primaryKey.map((c) => new Bind(null, c.type));
      const select = new Select({ columns: table.columns }).where(pkWhere(table, placeholders));
      baked = queryCache.bake(table, 'get', compile(select, queryCache));
    }
    return runner.run(new Precompiled({ ...baked, params: values }), undefined, 'first', model, options.timeout);
  }
  let query = new Select({ columns: table.columns, loader: model }).where(pkWhere(table, values));
  if (options.forUpdate) query = query.forUpdate(options.forUpdate === true ? {} : options.forUpdate);
  return runner.run(query, undefined, 'first', model, options.timeout);
}

/** The WHERE clause finding an instance's row: its primary key, or the model's `lookup()`. */
export function instanceWhere(instance: object, model: ModelRuntime): Expr {
  const table = tableOf(model);
  const pk = table.primaryKey;
  if (pk.length === 0) {
    throw new InvalidRequestError(
      `${modelName(model)} has no primary key: define lookup() on the model to say which row an instance is`,
    );
  }
  const rec = instance as Record<string, unknown>;
  return and(
    ...pk.map((c) => {
      const v = rec[c.key];
      if (v === undefined || v === null) {
        throw new InvalidRequestError(
          `this ${modelName(model)} has no ${c.key} (its primary key), so it is not a row yet: create() it first`,
        );
      }
      return c.eq(v);
    }),
  );
}

/** What `update()` of an instance of type `T` takes (its model's columns and JSON properties). */
export type UpdateValuesOf<T> = T extends { update(values: infer U): unknown } ? U : Record<string, unknown>;

/**
 * The pending changes of `instance.update(...)`; `apply()` writes them. The row is the one the
 * instance's key named when `update()` was called.
 *
 * @example
 * await user.update({ nickname: 'daisy' }).update({ age: 3 }).apply();
 */
export class UpdateRequest<T extends object = object> {
  private readonly values: Record<string, unknown> = {};
  /** Changed JSON properties: the JSON value to store, or an expression. */
  private readonly props = new Map<BoundProperty, unknown>();
  private readonly where: Expr | undefined;
  /** Why this instance's row cannot be named (no primary key, no lookup()): thrown by apply(). */
  private readonly lookupError: unknown;
  constructor(
    readonly instance: T,
    private readonly model: ModelRuntime,
    lookup: () => Expr,
    values: Record<string, unknown>,
  ) {
    this.check(values);
    // As GINO: update() changes the instance even when its row cannot be named; apply() says why not.
    let where: Expr | undefined;
    try {
      where = lookup();
    } catch (error) {
      this.lookupError = error;
    }
    this.where = where;
    this.update(values as UpdateValuesOf<T>);
  }

  private check(values: Record<string, unknown>): void {
    const table = tableOf(this.model);
    const props = propertiesOf(table);
    for (const key of Object.keys(values)) {
      if (!table.c[key] && !props.some((p) => p.key === key)) {
        throw noSuchColumn(modelName(this.model), key, table.columns, { properties: props });
      }
    }
  }

  /** Record more changes (applied to the instance now, to the row by `apply()`): the keys `instance.update()` takes. */
  update(values: UpdateValuesOf<T>): this {
    this.check(values as Record<string, unknown>);
    const props = propertiesOf(tableOf(this.model));
    const instance = this.instance as Record<string, unknown>;
    for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
      if (value === undefined) continue;
      const prop = props.find((p) => p.key === key);
      if (!prop) {
        this.values[key] = value;
        if (!isExpr(value)) instance[key] = value;
      } else if (isExpr(value)) {
        this.props.set(prop, value);
      } else {
        instance[key] = value;
        this.props.set(prop, objectIn(this.instance, prop.column)?.[key] ?? null);
      }
    }
    return this;
  }

  /**
   * `UPDATE ... SET <changed> WHERE <key> RETURNING <changed>`; JSON properties are merged into
   * their column (`profile = coalesce(profile, '{}') || $changes`). `NoSuchRowError` if the row is gone.
   */
  async apply(options: BindOption & { returning?: readonly Column[] } = {}): Promise<T> {
    const table = tableOf(this.model);
    const values = { ...this.values };
    const byColumn = new Map<Column, Map<string, unknown>>();
    for (const [prop, value] of this.props) {
      const changes = byColumn.get(prop.column) ?? new Map<string, unknown>();
      changes.set(prop.key, value);
      byColumn.set(prop.column, changes);
    }
    for (const [column, changes] of byColumn) {
      if (column.key in values) {
        throw new InvalidRequestError(
          `update() changed both ${column.key} and its JSON properties (${[...changes.keys()].join(', ')}); apply them separately`,
        );
      }
      values[column.key] = mergedValue(column, changes);
    }
    const keys = Object.keys(values);
    if (keys.length === 0) return this.instance;
    if (this.lookupError !== undefined) throw this.lookupError;
    if (!this.where) {
      throw new InvalidRequestError(
        `${modelName(this.model)}.lookup() returned nothing: it must return the WHERE clause naming this row`,
      );
    }
    const changed = keys.map((k) => table.c[k] as Column);
    const extra = (options.returning ?? []).filter((c) => !changed.includes(c));
    const update = new Update({ table, returning: queryCache.returningList(table, [...changed, ...extra]) })
      .values(values)
      .where(this.where);
    const result = (await runnerOf(this.model, options.bind).run(
      update,
      undefined,
      'status',
      null,
      options.timeout,
    )) as {
      rowCount: number;
      rows: Record<string, unknown>[];
    };
    if (result.rowCount === 0) {
      throw new NoSuchRowError(
        `no ${modelName(this.model)} row matched the key captured at update(): it was deleted or its key changed; get() it again`,
      );
    }
    assignRow(this.instance, result.rows[0] ?? null);
    // Only the properties this request changed take the stored values (GINO): others keep what
    // they hold in memory, changed or removed since.
    for (const prop of this.props.keys()) reloadProperty(this.instance, prop);
    return this.instance;
  }
}

/** `DELETE FROM ... WHERE <key>` → the status, e.g. `'DELETE 1'`. The instance keeps its values. */
export async function deleteInstance(model: ModelRuntime, where: Expr, options: BindOption = {}): Promise<string> {
  const table = tableOf(model);
  const del = new Delete({ table }).where(where);
  const result = (await runnerOf(model, options.bind).run(del, undefined, 'status', null, options.timeout)) as {
    status: string;
  };
  return result.status;
}
