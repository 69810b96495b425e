/**
 * JSON properties (GINO's `json_support.py`): typed model attributes kept as keys of one JSON or
 * JSONB column. On an instance they read and write that column's object; on the class they are
 * SQL expressions (`User.age` is `CAST(users.profile ->> 'age' AS INTEGER)`) usable in `where`,
 * `orderBy` and `db.Index(...)`; `update().apply()` sends only the changed keys.
 */
import { InvalidRequestError, modelName, UnknownJSONPropertyError } from '../errors.js';
import { Binary, Bind, Case, Cast, type Expr, Func, isExpr } from '../sql/expr.js';
import type { Column, Table } from '../sql/table.js';
import { instantOf, instantText } from '../types/datetime.js';
import { type SqlType, TYPES } from '../types/sqltypes.js';

export type JsonPropertyKind = 'string' | 'integer' | 'boolean' | 'datetime' | 'object' | 'array' | 'json';

export interface JsonPropertyOptions<T> {
  /** The value read when the key is absent, and written by `create()`; a function gets the instance. */
  default?: T | ((instance: object) => T);
  /** The attribute key of the JSON/JSONB column holding it (default: the model's only one, or `profile`). */
  propName?: string;
  /** What an instance reads: the stored value (or the default) through this (GINO's `after_get` hook). */
  afterGet?: (value: T | null, instance: object) => T | null;
  /** What is stored when the property is set: the value given through this (GINO's `before_set` hook). */
  beforeSet?: (value: T | null, instance: object) => T | null;
}

const { TEXT, INTEGER, BOOLEAN, TIMESTAMPTZ, JSONB } = TYPES;

const EXPECTED: Record<JsonPropertyKind, string> = {
  string: 'a string',
  integer: 'a whole number',
  boolean: 'a boolean',
  datetime: "a valid Date (or an ISO 8601 string, '0044-03-15 12:00:00 BC' or 'infinity')",
  object: 'a plain object',
  array: 'an array',
  json: 'a JSON value',
};

function isPlainObject(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A JSON property definition, from `db.IntegerProperty()` and friends; `T` is its JavaScript type,
 * `D` whether it has a default (then it is never null on instances).
 */
export class JsonProperty<T = unknown, D extends boolean = boolean> {
  readonly kind = 'jsonProperty';
  declare readonly __type: T;
  declare readonly __hasDefault: D;
  constructor(
    readonly type: JsonPropertyKind,
    readonly options: JsonPropertyOptions<T> = {},
  ) {}

  /**
   * The value as stored in JSON (Dates as ISO 8601 strings; outside years 1 to 9999, PostgreSQL's
   * text, `0044-03-15 12:00:00.000+00 BC`); a clear error for a value of another type.
   */
  encode(value: unknown, where: string): unknown {
    if (value === null) return null;
    const ok = (() => {
      switch (this.type) {
        case 'string':
          return typeof value === 'string';
        case 'integer':
          return typeof value === 'number' && Number.isSafeInteger(value);
        case 'boolean':
          return typeof value === 'boolean';
        case 'datetime':
          return (
            (value instanceof Date && !Number.isNaN(value.getTime())) ||
            (typeof value === 'string' && instantOf(value) !== undefined)
          );
        case 'object':
          return isPlainObject(value);
        case 'array':
          return Array.isArray(value);
        case 'json':
          return value !== undefined && typeof value !== 'function' && typeof value !== 'symbol';
      }
    })();
    if (!ok) {
      const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
      throw new InvalidRequestError(
        `${where} (${this.constructorName}) cannot take ${shown}: expected ${EXPECTED[this.type]}`,
      );
    }
    // The server reads the text too (the class-level property casts it to timestamptz).
    if (this.type === 'datetime') {
      return instantText(value instanceof Date ? value : new Date(instantOf(value as string) as number));
    }
    return value;
  }

  /** The stored JSON value as JavaScript (timestamp strings back to Dates; no offset means UTC). */
  decode(value: unknown): T {
    if (value === null || value === undefined) return null as T;
    if (this.type === 'datetime' && typeof value === 'string') {
      return new Date(instantOf(value) ?? Date.parse(value)) as T;
    }
    return value as T;
  }

  /** The value when the key is absent: the default (a fresh copy of an object or array), else null. */
  defaultFor(instance: object): T | null {
    const d = this.options.default;
    if (d === undefined) return null;
    const value = typeof d === 'function' ? (d as (i: object) => T)(instance) : d;
    return value !== null && typeof value === 'object' && !(value instanceof Date) ? structuredClone(value) : value;
  }

  get hasDefault(): boolean {
    return this.options.default !== undefined;
  }

  /**
   * This property with a hook on reading (GINO's `@prop.after_get`): instances read what `hook`
   * makes of the stored value (or of the default, null without one).
   *
   * @example
   * balance: db.IntegerProperty().afterGet((value) => value ?? 0),
   */
  afterGet(hook: (value: T | null, instance: object) => T): JsonProperty<T, true>;
  afterGet(hook: (value: T | null, instance: object) => T | null): JsonProperty<T, D>;
  afterGet(hook: (value: T | null, instance: object) => T | null): JsonProperty<T, boolean> {
    return new JsonProperty<T, boolean>(this.type, { ...this.options, afterGet: hook });
  }

  /**
   * This property with a hook on writing (GINO's `@prop.before_set`): what is set goes through
   * `hook` before it is checked and stored.
   *
   * @example
   * title: db.StringProperty().beforeSet((value) => value?.trim() ?? null),
   */
  beforeSet(hook: (value: T | null, instance: object) => T | null): JsonProperty<T, D> {
    return new JsonProperty<T, D>(this.type, { ...this.options, beforeSet: hook });
  }

  get constructorName(): string {
    return `${this.type === 'json' ? 'JSON' : this.type === 'datetime' ? 'DateTime' : this.type[0]?.toUpperCase() + this.type.slice(1)}Property`;
  }

  /** The SQL expression reading this property from `column`. */
  expression(column: Column, key: string): Expr<T> {
    const text = new Binary(column, '->>', new Bind(key, TEXT), TEXT);
    switch (this.type) {
      case 'string':
        return text as Expr<T>;
      case 'integer':
        return new Cast(text, INTEGER) as unknown as Expr<T>;
      case 'boolean':
        return new Cast(text, BOOLEAN) as unknown as Expr<T>;
      case 'datetime':
        return new Cast(text, TIMESTAMPTZ) as unknown as Expr<T>;
      default:
        return new Binary(column, '->', new Bind(key, TEXT), column.type) as Expr<T>;
    }
  }
}

/** A property placed on a model: its key, its definition, the column it lives in, its expression. */
export interface BoundProperty {
  readonly key: string;
  readonly property: JsonProperty;
  readonly column: Column;
  readonly expr: Expr;
}

const bound = new WeakMap<Table, readonly BoundProperty[]>();

/** The JSON properties of a model's table (none for most). */
export function propertiesOf(table: Table): readonly BoundProperty[] {
  return bound.get(table) ?? [];
}

function isJsonColumn(column: Column): boolean {
  return column.type.kind === 'JSON' || column.type.kind === 'JSONB';
}

/** Resolve each property's column and expression for `table` (at `db.Model()` time). */
export function bindProperties(
  table: Table,
  model: string,
  properties: readonly (readonly [string, JsonProperty])[],
): readonly BoundProperty[] {
  if (properties.length === 0) return [];
  const jsonColumns = table.columns.filter(isJsonColumn);
  const out = properties.map(([key, property]): BoundProperty => {
    if (table.c[key]) {
      throw new UnknownJSONPropertyError(`${model}: '${key}' is both a column and a JSON property; rename one`);
    }
    const name = property.options.propName;
    let column: Column | undefined;
    if (name !== undefined) {
      column = table.c[name];
      if (!column || !isJsonColumn(column)) {
        throw new InvalidRequestError(
          `${model}.${key}: propName '${name}' must name a JSON or JSONB column of the model (JSON columns: ${jsonColumns.map((c) => c.key).join(', ') || 'none'})`,
        );
      }
    } else if (jsonColumns.length === 1) {
      column = jsonColumns[0];
    } else if (jsonColumns.length > 1) {
      column = jsonColumns.find((c) => c.key === 'profile');
      if (!column) {
        throw new InvalidRequestError(
          `${model}.${key}: the model has several JSON columns (${jsonColumns.map((c) => c.key).join(', ')}); say which with { propName }`,
        );
      }
    }
    if (!column) {
      throw new InvalidRequestError(
        `${model}.${key}: JSON properties live in a JSON or JSONB column, and ${model} has none; add one, ` +
          "e.g. profile: db.Column(db.JSONB(), { nullable: false, serverDefault: '{}' })",
      );
    }
    return { key, property, column, expr: property.expression(column, key) };
  });
  bound.set(table, out);
  return out;
}

/** The instance's JSON object in `column`, if it holds one. */
export function objectIn(instance: object, column: Column): Record<string, unknown> | undefined {
  const value = (instance as Record<string, unknown>)[column.key];
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * The properties' values of each instance, per JSON column, as stored in JSON (GINO's per-instance
 * profile): taken from the column's object when a property is first used, then kept. Setting a
 * property writes here and into the column's object; a value the column gets otherwise (an update
 * of the column itself, RETURNING) reaches a property only when it is reloaded — `apply()` reloads
 * the properties it changed, `user.reload('title')` the ones named.
 */
const profiles = new WeakMap<object, Map<Column, Record<string, unknown>>>();

function profileOf(instance: object, column: Column): Record<string, unknown> {
  let byColumn = profiles.get(instance);
  if (!byColumn) {
    byColumn = new Map();
    profiles.set(instance, byColumn);
  }
  let profile = byColumn.get(column);
  if (!profile) {
    profile = { ...(objectIn(instance, column) ?? {}) };
    byColumn.set(column, profile);
  }
  return profile;
}

/** Read `prop` of `instance` again from its JSON column's object (GINO's `JSONProperty.reload`). */
export function reloadProperty(instance: object, prop: BoundProperty): void {
  const byColumn = profiles.get(instance);
  const profile = byColumn?.get(prop.column);
  if (!profile) return;
  const obj = objectIn(instance, prop.column);
  if (obj && Object.hasOwn(obj, prop.key)) profile[prop.key] = obj[prop.key];
  else delete profile[prop.key];
}

/** Instance accessors for the properties: reading and writing the instance's profile (and its column's object). */
export function installAccessors(prototype: object, props: readonly BoundProperty[]): void {
  for (const { key, property, column } of props) {
    const { afterGet, beforeSet } = property.options;
    Object.defineProperty(prototype, key, {
      configurable: true,
      enumerable: false,
      get(this: object) {
        const profile = profileOf(this, column);
        const value = Object.hasOwn(profile, key) ? property.decode(profile[key]) : property.defaultFor(this);
        return afterGet ? afterGet(value, this) : value;
      },
      set(this: object, given: unknown) {
        const value = beforeSet && given !== undefined ? beforeSet(given, this) : given;
        const profile = profileOf(this, column);
        const current = objectIn(this, column) ?? {};
        // A new object each time, so an object shared with another instance or a caller is never changed.
        const next = { ...current };
        if (value === undefined) {
          delete next[key];
          delete profile[key];
        } else {
          const encoded = property.encode(value, `${modelName(this)}.${key}`);
          next[key] = encoded;
          profile[key] = encoded;
        }
        (this as Record<string, unknown>)[column.key] = next;
      },
    });
  }
}

/**
 * Refuse keys in the instance's JSON columns that no property declares (GINO's
 * `UnknownJSONPropertyError`), naming the key and the column; a key that is a column's attribute
 * is said to be one.
 */
export function checkProfiles(instance: object, table: Table, props: readonly BoundProperty[]): void {
  const columns = new Set(props.map((p) => p.column));
  for (const column of columns) {
    const declared = props.filter((p) => p.column === column).map((p) => p.key);
    const keys = new Set([
      ...Object.keys(objectIn(instance, column) ?? {}),
      ...Object.keys(profileOf(instance, column)),
    ]);
    for (const key of keys) {
      if (declared.includes(key)) continue;
      const what = table.c[key] ? `'${key}', a column of ${modelName(instance)}, not a JSON property` : `'${key}'`;
      throw new UnknownJSONPropertyError(
        `${modelName(instance)}.${column.key} holds ${what}: no JSON property in ${column.key} declares it ` +
          `(properties: ${declared.join(', ')}); declare it, e.g. ${key}: db.JSONProperty({ propName: '${column.key}' }), or remove the key`,
      );
    }
  }
}

/** Write the defaults of properties absent from their column (GINO's create()). */
export function applyDefaults(instance: object, props: readonly BoundProperty[]): void {
  for (const { key, property, column } of props) {
    if (!property.hasDefault) continue;
    const obj = objectIn(instance, column);
    if (obj && Object.hasOwn(obj, key)) continue;
    (instance as Record<string, unknown>)[key] = property.defaultFor(instance);
  }
}

/**
 * The new value of a JSON column given changed properties: the column's object (or `{}` when it
 * holds no object: SQL NULL, JSON null, an array or a scalar — never appended to) `|| $changes`
 * for values, `|| jsonb_build_object(key, expr, ...)` when a value is an expression.
 */
export function mergedValue(column: Column, changes: ReadonlyMap<string, unknown>): Expr {
  const jsonb = column.type.kind === 'JSONB';
  const typeOf = new Func(jsonb ? 'jsonb_typeof' : 'json_typeof', [column], TEXT);
  const isObject = new Binary(typeOf, '=', new Bind('object', TEXT), BOOLEAN);
  const current = new Case(
    [[isObject, jsonb ? column : new Cast(column, JSONB)]],
    new Cast(new Bind({}, JSONB), JSONB),
  );
  const literal = [...changes.values()].every((v) => !isExpr(v));
  let patch: Expr;
  if (literal) {
    patch = new Cast(new Bind(Object.fromEntries(changes), JSONB), JSONB);
  } else {
    const args: Expr[] = [];
    for (const [key, value] of changes) {
      args.push(new Cast(new Bind(key, TEXT), TEXT));
      args.push(isExpr(value) ? value : new Cast(new Bind(value, JSONB), JSONB));
    }
    patch = new Func('jsonb_build_object', args, JSONB);
  }
  const merged = new Binary(current, '||', patch, JSONB);
  return jsonb ? merged : new Cast(merged, column.type as SqlType);
}

/** JSON property factories on `db`: `age: db.IntegerProperty({ default: 0 })`. */
export function propertyFactory<T>(type: JsonPropertyKind) {
  return <const O extends JsonPropertyOptions<T> = Record<never, never>>(
    options?: O,
  ): JsonProperty<T, O extends { default: unknown } ? true : false> =>
    new JsonProperty<T, O extends { default: unknown } ? true : false>(type, options ?? {});
}
