/**
 * `db.Model({...})`: a class per table, built from one definition object holding the table name,
 * columns, constraints, indexes and table args — GINO's class body as an object.
 */

import { toLoaderOf } from '../engine/shape.js';
import { InvalidRequestError, modelName } from '../errors.js';
import { Delete, Insert, Update } from '../sql/dml.js';
import type { AnyConstructor } from '../sql/executor.js';
import type { Expr } from '../sql/expr.js';
import { Select } from '../sql/select.js';
import { shareList } from '../sql/shared.js';
import {
  Alias,
  asFromItem,
  type Column,
  ColumnDef,
  type Constraint,
  type FromItem,
  type HasTable,
  Index,
  type Join,
  noSuchColumn,
  Table,
} from '../sql/table.js';
import {
  type BindOption,
  createInstance,
  deleteInstance,
  type GetOptions,
  getInstance,
  instanceWhere,
  tableOf,
  UpdateRequest,
  valuesOf,
} from './crud.js';
import { hostOf, type ModelHost } from './host.js';
import { bindProperties, checkProfiles, installAccessors, JsonProperty, propertiesOf, reloadProperty } from './json.js';
import { ModelAlias, ModelLoader } from './loader.js';
import {
  declareRelationships,
  loadedRelations,
  notAColumn,
  type RelationColumns,
  type RelationCount,
  RelationshipDef,
  relationCount,
  relationshipOf,
} from './relationship.js';
import type { ModelDefinition } from './typing.js';

export type { ModelHost };

const RESERVED_INSTANCE = new Set(['create', 'update', 'delete', 'toDict', 'lookup', 'constructor']);
const RESERVED_STATIC = new Set([
  'query',
  'select',
  'update',
  'delete',
  'insert',
  'create',
  'get',
  'load',
  'distinct',
  'on',
  'countOf',
  'alias',
  'join',
  'outerjoin',
  'gino',
  'prototype',
  'columns',
  'c',
  '__table__',
  '__tablename__',
]);

interface BaseStatements {
  query?: Select<unknown, unknown>;
  update?: Update<unknown>;
  delete?: Delete<unknown>;
  insert?: Insert<unknown>;
  selects?: Map<string, Select<unknown, unknown>>;
}

/** Statements are immutable, so each model class makes its starting statements once and shares them. */
const baseStatements = new WeakMap<object, BaseStatements>();

function basesOf(model: object): BaseStatements {
  let bases = baseStatements.get(model);
  if (!bases) {
    bases = {};
    baseStatements.set(model, bases);
  }
  return bases;
}

/** Own properties of every JavaScript class: columns with these keys are reached as `Model.c.<key>`. */
export const FUNCTION_OWN = new Set(['name', 'length']);

const CONSTRAINT_KINDS = new Set([
  'primaryKeyConstraint',
  'uniqueConstraint',
  'foreignKeyConstraint',
  'checkConstraint',
]);

/** The model class of an instance. */
function modelOf(instance: ModelBase): typeof ModelBase {
  return instance.constructor as typeof ModelBase;
}

/**
 * The base of every model class. Instances are plain objects holding column values as properties:
 * no identity map, no change tracking.
 */
export class ModelBase {
  declare static readonly __table__: Table;
  declare static readonly __tablename__: string;
  /** The Gino instance that made this model (`db.Model()`): it runs the model's statements and DDL. */
  declare static readonly [hostOf]: ModelHost;

  constructor(values?: Record<string, unknown>) {
    const model = this.constructor as typeof ModelBase;
    const table = model.__table__;
    // An abstract model's instances exist, as in GINO; their create(), delete() and
    // update().apply() raise "is abstract", for there is no table to write to.
    if (!table) {
      if (values) Object.assign(this, values);
      return;
    }
    if (values) {
      const props = propertiesOf(table);
      const keys = Object.keys(values);
      for (const key of keys) {
        if (!table.c[key] && !props.some((p) => p.key === key)) {
          if (relationshipOf(model, key)) throw notAColumn(model, key);
          throw noSuchColumn(modelName(model), key, table.columns, { properties: props });
        }
      }
      // Columns first: properties then write into their JSON column's object.
      const own = this as Record<string, unknown>;
      for (const key of keys) if (table.c[key] && values[key] !== undefined) own[key] = values[key];
      for (const key of keys) if (!table.c[key] && values[key] !== undefined) own[key] = values[key];
    }
  }

  /** `SELECT <every column> FROM <table>`, rows as instances of this class. */
  static get query(): Select<unknown, unknown> {
    const bases = basesOf(this);
    if (bases.query) return bases.query;
    const table = tableOf(this);
    bases.query = new Select({ columns: table.columns, loader: this }, this[hostOf]);
    return bases.query;
  }

  /** `SELECT <named columns or JSON properties> FROM <table>`, rows as plain objects. */
  static select(...names: string[]): Select<unknown, unknown> {
    const bases = basesOf(this);
    bases.selects ??= new Map();
    const selects = bases.selects;
    const key = names.join('\u0000');
    let select = selects.get(key);
    if (!select) {
      const table = tableOf(this);
      const props = propertiesOf(table);
      // A JSON property's name selects its expression, labelled with the name (GINO's `User.select('age')`).
      const pick = (n: string): Expr => {
        if (table.c[n]) return table.c[n] as Column;
        const prop = props.find((p) => p.key === n);
        return prop ? prop.expr.label(n) : table.column(n);
      };
      // Shared: every `select(...)` of these names is this statement, its list rendered once.
      const columns = names.length ? shareList(names.map(pick)) : table.columns;
      select = new Select({ columns }, this[hostOf]);
      if (selects.size < 100) selects.set(key, select);
    }
    return select;
  }

  /** `UPDATE <table>`: add `.values({...})` and `.where(...)`. */
  static get update(): Update<unknown> {
    const bases = basesOf(this);
    if (bases.update) return bases.update;
    const table = tableOf(this);
    bases.update = new Update({ table, loader: this }, this[hostOf]);
    return bases.update;
  }

  /** `DELETE FROM <table>`: add `.where(...)`. */
  static get delete(): Delete<unknown> {
    const bases = basesOf(this);
    if (bases.delete) return bases.delete;
    const table = tableOf(this);
    bases.delete = new Delete({ table, loader: this }, this[hostOf]);
    return bases.delete;
  }

  /** `INSERT INTO <table>`: `.values(row | rows)`, `.returning()` for instances. */
  static insert(): Insert<unknown> {
    const bases = basesOf(this);
    if (bases.insert) return bases.insert;
    const table = tableOf(this);
    bases.insert = new Insert({ table, loader: this }, this[hostOf]);
    return bases.insert;
  }

  /** Insert one row and return it as an instance (server defaults included). */
  static async create(values: Record<string, unknown> = {}, options: BindOption = {}): Promise<unknown> {
    const instance = new this(values);
    return createInstance(instance, this, options);
  }

  /** The row with this primary key (a value, an array, or an object by attribute), or null. */
  static get(ident: unknown, options: GetOptions = {}): Promise<unknown> {
    return getInstance(this, ident, options);
  }

  /**
   * `<table> AS name`: its columns are `alias.<key>` (and `alias.c.<key>`); as a loader
   * (`alias.load()`, `alias.on(...)`) it loads instances of this model. Without a name the alias is
   * anonymous, named `<table>_1`, `<table>_2`, ... in each statement, in order of appearance.
   */
  static alias(name?: string): ModelAlias {
    const table = tableOf(this);
    return new ModelAlias(this, table, name);
  }

  /**
   * A loader of this model (GINO's `Model.load`): only the named columns, and/or related loaders
   * set on each instance (`User.load({ team: Team })`) — also a query builder (`.query`, `.gino`).
   */
  /** As a loader, a model class loads its instances: `.gino.load(User)`, `Team.load({ owner: User })`. */
  static [toLoaderOf](): ModelLoader<unknown> {
    const table = (this as { __table__?: Table }).__table__;
    if (table === undefined) {
      throw new InvalidRequestError(
        `${this.name || 'this class'} has no table (an abstract model?): it cannot load rows`,
      );
    }
    return new ModelLoader<unknown>(this, table);
  }

  static load(...args: (string | Column | Readonly<Record<string, unknown>>)[]): ModelLoader<unknown> {
    const loader = new ModelLoader<unknown>(this, tableOf(this));
    return args.length ? (loader.load as (...a: unknown[]) => ModelLoader<unknown>)(...args) : loader;
  }

  /**
   * A loader of this model from a subquery's columns (GINO's `Model.in_query()`): the subquery's
   * columns with this model's attribute keys load instances, as the table's own would.
   *
   * @example
   * const recent = User.query.where(User.id.gt(100)).alias('users');
   * const users = await db.select([recent]).gino.load(User.inQuery(recent)).all();
   */
  static inQuery(subquery: Alias | Select<unknown, unknown>): ModelLoader<unknown> {
    tableOf(this as never);
    const alias = subquery instanceof Select ? subquery.alias() : subquery;
    if (!(alias instanceof Alias) || alias.of.kind !== 'subquery') {
      throw new InvalidRequestError(
        `${modelName(this)}.inQuery() takes a subquery (a select, or select.alias(name)); for a table alias use ${modelName(this)}.alias()`,
      );
    }
    return new ModelLoader<unknown>(this as never, alias);
  }

  /** A loader reusing one instance per value of these columns (one-to-many, many-to-many). */
  static distinct(...columns: (string | Column | Expr)[]): ModelLoader<unknown> {
    return this.load().distinct(...columns);
  }

  /**
   * How many rows of a relationship each row has (those `filter` keeps): a correlated `count(*)`,
   * for where(), orderBy() and loaders.
   *
   * @example
   * const busy = await Author.load({ postCount: Author.countOf('posts') })
   *   .query.where(Author.countOf('posts', (post) => post.title.like('a%')).gt(2)).gino.all();
   */
  static countOf(relationship: string, filter?: (related: RelationColumns) => Expr): RelationCount {
    return relationCount(this, relationship, filter);
  }

  /** A loader joined to its parent loader ON this clause, instead of the foreign key. */
  static on(clause: Expr): ModelLoader<unknown> {
    return this.load().on(clause);
  }

  static join(right: FromItem | HasTable, on?: Expr): Join {
    return tableOf(this).join(asFromItem(right), on).withExecutor(this[hostOf]);
  }

  static outerjoin(right: FromItem | HasTable, on?: Expr): Join {
    return tableOf(this).outerjoin(asFromItem(right), on).withExecutor(this[hostOf]);
  }

  /** `db.gino`-style DDL for this model's table alone. */
  static get gino(): {
    create(options?: { checkfirst?: boolean; bind?: unknown }): Promise<void>;
    drop(options?: { checkfirst?: boolean; bind?: unknown }): Promise<void>;
  } {
    const table = tableOf(this);
    const host = this[hostOf];
    return {
      create: (options = {}) => host.createTable(table, options),
      drop: (options = {}) => host.dropTable(table, options),
    };
  }

  /** Insert this instance; it takes the values the server returned. Resolves to the instance. */
  create(options: BindOption = {}): Promise<this> {
    return createInstance(this, modelOf(this), options);
  }

  /** Change values in memory now; `.apply()` writes them (only the changed columns). */
  update(values: Record<string, unknown>): UpdateRequest<this> {
    return new UpdateRequest(this, modelOf(this), () => this.lookup(), values);
  }

  /** `DELETE` this row; resolves to the status, e.g. `'DELETE 1'`. The instance keeps its values. */
  async delete(options: BindOption = {}): Promise<string> {
    return deleteInstance(modelOf(this), this.lookup(), options);
  }

  /**
   * `SELECT` of this instance's row (GINO's instance `query`): `Model.query` where its key (or
   * `lookup()`) names this row; `InvalidRequestError` on a model whose rows it cannot name.
   *
   * @example
   * const again = await db.first(user.query);
   */
  get query(): Select<unknown, unknown> {
    const model = this.constructor as typeof ModelBase;
    return model.query.where(this.lookup());
  }

  /**
   * `SELECT <named columns or JSON properties>` of this instance's row (GINO's instance `select()`).
   *
   * @example
   * const nickname = await user.select('nickname').gino.scalar();
   */
  select(...names: string[]): Select<unknown, unknown> {
    const model = this.constructor as typeof ModelBase;
    return model.select(...names).where(this.lookup());
  }

  /** The WHERE clause naming this instance's row: its primary key. Override for tables without one. */
  lookup(): Expr {
    return instanceWhere(this, modelOf(this));
  }

  /**
   * Read JSON properties again from their JSON column's value on this instance, all of them when
   * none is named (GINO's `JSONProperty.reload(instance)`): a property keeps its in-memory value
   * until then when the column itself is changed.
   *
   * @example
   * await user.update({ profile: null }).apply();
   * user.reload('title'); // user.title is null again
   */
  reload(...properties: string[]): this {
    const props = propertiesOf(tableOf(this.constructor as never));
    for (const name of properties) {
      if (!props.some((p) => p.key === name)) {
        const table = tableOf(this.constructor as never);
        throw noSuchColumn(modelName(this.constructor), name, table.columns, { properties: props });
      }
    }
    for (const p of props) if (properties.length === 0 || properties.includes(p.key)) reloadProperty(this, p);
    return this;
  }

  /**
   * The values by attribute name: columns, with JSON properties shown instead of the column
   * holding them, and the relationships that were loaded (as dictionaries too).
   */
  toDict(): Record<string, unknown> {
    const table = tableOf(modelOf(this));
    const out = valuesOf(this, table);
    const props = propertiesOf(table);
    checkProfiles(this, table, props);
    for (const p of props) delete out[p.column.key];
    for (const p of props) out[p.key] = (this as Record<string, unknown>)[p.key];
    return Object.assign(out, loadedRelations(this));
  }
}

/** Build the model class of a definition. */
export function defineModel(host: ModelHost, definition: ModelDefinition): typeof ModelBase {
  const tablename = definition.__tablename__;
  const schema = definition.__table_args__?.schema;
  const columns: { key: string; def: ColumnDef }[] = [];
  const constraints: Constraint[] = [];
  const indexes: Index[] = [];
  const properties: [string, JsonProperty][] = [];
  const relationships: [string, RelationshipDef][] = [];
  const extras: [string, unknown][] = [];
  for (const [key, value] of Object.entries(definition)) {
    if (key === '__tablename__' || key === '__table_args__') continue;
    if (value instanceof ColumnDef) {
      if (RESERVED_INSTANCE.has(key) || RESERVED_STATIC.has(key)) {
        throw new InvalidRequestError(
          `column '${key}' of ${tablename ?? 'a model'} clashes with a model method; use another key and { name: '${key}' }`,
        );
      }
      columns.push({ key, def: value });
    } else if (value instanceof JsonProperty) {
      if (RESERVED_INSTANCE.has(key) || RESERVED_STATIC.has(key)) {
        throw new InvalidRequestError(
          `JSON property '${key}' of ${tablename ?? 'a model'} clashes with a model method`,
        );
      }
      properties.push([key, value]);
    } else if (value instanceof RelationshipDef) {
      if (RESERVED_INSTANCE.has(key) || RESERVED_STATIC.has(key) || FUNCTION_OWN.has(key)) {
        throw new InvalidRequestError(
          `relationship '${key}' of ${tablename ?? 'a model'} clashes with a model method; use another key`,
        );
      }
      relationships.push([key, value]);
    } else if (value instanceof Index) {
      indexes.push(value);
    } else if (
      value !== null &&
      typeof value === 'object' &&
      CONSTRAINT_KINDS.has((value as { kind?: string }).kind ?? '')
    ) {
      constraints.push(value as Constraint);
    } else {
      extras.push([key, value]);
    }
  }
  if (extras.length) {
    throw new InvalidRequestError(
      `${tablename ?? 'model'}: '${extras[0]?.[0]}' is not a column, constraint or index (use db.Column(...), db.Index(...))`,
    );
  }
  if (tablename === undefined && relationships.length) {
    throw new InvalidRequestError(
      `'${relationships[0]?.[0]}' is a relationship of an abstract model (no __tablename__): declare it on a model with a table`,
    );
  }
  if (tablename === undefined && properties.length) {
    throw new InvalidRequestError(
      `'${properties[0]?.[0]}' is a JSON property of an abstract model (no __tablename__): properties need a table's JSON column`,
    );
  }
  // Indexes may name JSON properties, which exist only once the table does: filled in below.
  const tableIndexes: Index[] = [];
  const table = tablename === undefined ? undefined : new Table(tablename, schema, columns, constraints, tableIndexes);
  const model = class extends ModelBase {};
  Object.defineProperty(model, hostOf, { value: host });
  declareRelationships(model, relationships);
  if (table) {
    const props = bindProperties(table, tablename as string, properties);
    for (const index of indexes) {
      const resolved = index.columns.map((c) =>
        typeof c === 'string' ? (props.find((p) => p.key === c)?.expr ?? c) : c,
      );
      tableIndexes.push(
        resolved.some((c, i) => c !== index.columns[i]) ? new Index(index.name, resolved, index.options) : index,
      );
    }
    Object.defineProperty(model, '__table__', { value: table });
    Object.defineProperty(model, '__tablename__', { value: tablename });
    Object.defineProperty(model, 'c', { value: table.c });
    for (const col of table.columns) {
      // Every class has its own `name` and `length`, which would hide these in subclasses: use `Model.c.name`.
      if (FUNCTION_OWN.has(col.key)) continue;
      Object.defineProperty(model, col.key, { value: col, enumerable: true, configurable: true });
    }
    installAccessors(model.prototype, props);
    for (const p of props) {
      if (FUNCTION_OWN.has(p.key)) continue;
      Object.defineProperty(model, p.key, { value: p.expr, enumerable: true, configurable: true });
    }
    host.registerTable(table);
  }
  return model;
}

export type { AnyConstructor };
