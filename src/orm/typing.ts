/**
 * The types of models: the instance type comes from the columns (`user.id` is `number`), creation
 * and update values accept only known keys, and statics carry typed column expressions.
 */

import type { Delete, Insert, Update } from '../sql/dml.js';
import type { AnyConstructor } from '../sql/executor.js';
import type { Expr } from '../sql/expr.js';
import type { Select } from '../sql/select.js';
import type { Alias, Column, ColumnDef, ColumnOptions, FromItem, Join, Table } from '../sql/table.js';
import type { BindOption, GetOptions, UpdateRequest } from './crud.js';
import type { JsonProperty } from './json.js';
import type { ModelAlias, ModelLoader } from './loader.js';
import type { ModelRelations, RelationKeys, WithLoaded } from './relation-types.js';
import type { RelationColumns, RelationCount } from './relationship.js';

/** The definition object given to `db.Model({...})`. */
export interface ModelDefinition {
  __tablename__?: string;
  __table_args__?: { schema?: string };
  [key: string]: unknown;
}

/** Whether a column's options make it NOT NULL. */
export type NotNullOf<O> = O extends { primaryKey: true } ? true : O extends { nullable: false } ? true : false;

// biome-ignore lint/suspicious/noExplicitAny: matching any column definition
type AnyColumnDef = ColumnDef<any, any>;

/** The attribute keys of the columns in a definition. */
export type ColumnKeys<D> = { [K in keyof D]: D[K] extends AnyColumnDef ? K : never }[keyof D] & string;

// biome-ignore lint/suspicious/noExplicitAny: matching any JSON property
type AnyJsonProperty = JsonProperty<any, any>;

/** The attribute keys of the JSON properties in a definition. */
export type PropertyKeys<D> = { [K in keyof D]: D[K] extends AnyJsonProperty ? K : never }[keyof D] & string;

/** A JSON property's value on an instance: `T`, or `T | null` without a default. */
export type PropertyValue<P> = P extends { readonly __type: infer T; readonly __hasDefault: infer H }
  ? H extends true
    ? T
    : T | null
  : never;

/** A column's JavaScript type. */
export type ColumnType<C> = C extends { readonly __type: infer T } ? T : never;

/** A column's value on an instance: `T`, or `T | null` when the column is nullable. */
export type ColumnValue<C> = C extends { readonly __type: infer T; readonly __notNull: infer NN }
  ? NN extends true
    ? T
    : T | null
  : never;

/** An instance's column values and JSON properties. */
export type ModelValues<D> = { -readonly [K in ColumnKeys<D>]: ColumnValue<D[K]> } & {
  -readonly [K in PropertyKeys<D>]: PropertyValue<D[K]>;
};

/** Values accepted by `create`, `new Model(...)` and `update(...)`: known keys only, all optional. */
export type ModelInput<D> = { [K in ColumnKeys<D>]?: ColumnType<D[K]> | null | Expr<unknown> } & {
  [K in PropertyKeys<D>]?: ColumnType<D[K]> | null | Expr<unknown>;
};

/** The instance methods of every model. */
export interface ModelMethods<D> {
  /** Insert this instance; it takes what the server returned (ids, server defaults). */
  create(options?: BindOption): Promise<this>;
  /** Change values now; `.apply()` writes only the changed columns. */
  update(values: ModelInput<D>): UpdateRequest<this>;
  /** Delete this row: `'DELETE 1'`. The instance keeps its values. */
  delete(options?: BindOption): Promise<string>;
  /** The WHERE clause naming this instance's row. */
  lookup(): Expr<boolean>;
  toDict(): Partial<ModelValues<D>>;
  /**
   * Read JSON properties again from their JSON column's value on this instance (all of them when
   * none is named): GINO's `JSONProperty.reload(instance)`.
   */
  reload(...properties: PropertyKeys<D>[]): this;
  /** `SELECT` of this instance's row: `Model.query` where its key names it. */
  readonly query: Select<this, ModelValues<D>[ColumnKeys<D>]>;
  /** `SELECT` of the named columns or JSON properties of this instance's row. */
  select<K extends ColumnKeys<D> | PropertyKeys<D>, K2 extends ColumnKeys<D> | PropertyKeys<D> = K>(
    first: K,
    ...rest: K2[]
  ): Select<Pick<ModelValues<D>, K | K2>, ModelValues<D>[K]>;
  select(): Select<ModelValues<D>, unknown>;
}

export type ModelInstance<D> = ModelValues<D> & ModelMethods<D> & ModelRelations<D>;

/** Every column expression by attribute key: `User.c.id` is a `Column<number, 'id'>`. */
export type ModelColumns<D> = { readonly [K in ColumnKeys<D>]: Column<ColumnType<D[K]>, K> };

/**
 * The column expressions as statics: `User.id`. Keys every JavaScript class owns (`name`,
 * `length`) would be hidden by the class itself, so those columns are only on `Model.c`.
 */
export type ModelStaticColumns<D> = Omit<ModelColumns<D>, 'name' | 'length'>;

/** JSON properties as statics are SQL expressions: `User.age` is `CAST(users.profile ->> 'age' AS INTEGER)`. */
export type ModelStaticProperties<D> = Omit<
  { readonly [K in PropertyKeys<D>]: Expr<ColumnType<D[K]>> },
  'name' | 'length'
>;

/** A column of a model, by attribute key or as a column. */
export type ColumnRef<D> = ColumnKeys<D> | Column;

/** `Model.alias()`: the table under another name, its columns as properties, loading instances `I`. */
export type ModelAliasOf<D, I> = Omit<ModelAlias, 'load' | 'on' | 'distinct' | '__loaded'> &
  Omit<ModelColumns<D>, keyof ModelAlias> & {
    readonly __loaded?: I;
    load<const A extends readonly (ColumnRef<D> | RelationKeys<D>)[] = []>(
      ...names: A
    ): ModelLoader<WithLoaded<I, D, A[number], Record<never, never>>>;
    load<
      const E extends Readonly<Record<string, unknown>>,
      const A extends readonly (ColumnRef<D> | RelationKeys<D>)[] = [],
    >(...args: [...names: A, related: E]): ModelLoader<WithLoaded<I, D, A[number], E>>;
    on(clause: Expr): ModelLoader<I>;
    distinct(...columns: (ColumnRef<D> | Expr)[]): ModelLoader<I>;
  };

/** A primary-key value: a scalar, an array in key order, or an object by attribute. */
export type Ident = string | number | bigint | Date | readonly unknown[] | Readonly<Record<string, unknown>>;

export interface ModelStatics<D> {
  readonly __table__: Table;
  /** Every column by attribute key, including `name` and `length`: `Team.c.name`. */
  readonly c: ModelColumns<D>;
  readonly __tablename__: string;
  /** `SELECT` every column; rows are instances. */
  readonly query: Select<ModelInstance<D>, ModelValues<D>[ColumnKeys<D>]>;
  /** `SELECT` the named columns (or JSON properties); rows are plain objects. */
  select<K extends ColumnKeys<D> | PropertyKeys<D>, K2 extends ColumnKeys<D> | PropertyKeys<D> = K>(
    first: K,
    ...rest: K2[]
  ): Select<Pick<ModelValues<D>, K | K2>, ModelValues<D>[K]>;
  select(): Select<ModelValues<D>, unknown>;
  /** `UPDATE` over the table: `.values({...}).where(...)`. */
  readonly update: Update<ModelInstance<D>>;
  /** `DELETE` over the table: `.where(...)`. */
  readonly delete: Delete<ModelInstance<D>>;
  insert(): Insert<ModelInstance<D>>;
  /** Insert a row; resolves to an instance of the class it was called on. */
  create<M extends AnyConstructor>(this: M, values?: ModelInput<D>, options?: BindOption): Promise<InstanceType<M>>;
  /** The row with this primary key, or null. */
  get<M extends AnyConstructor>(this: M, ident: Ident, options?: GetOptions): Promise<InstanceType<M> | null>;
  /** The table under another name (`<table>_1` when unnamed), for self-joins and alias loaders. */
  alias<M extends AnyConstructor>(this: M, name?: string): ModelAliasOf<D, InstanceType<M>>;
  /** A loader of only these columns, and/or of these relationships: `User.load('id', 'nickname')`, `Post.load('author')`. */
  load<M extends AnyConstructor, const A extends readonly (ColumnRef<D> | RelationKeys<D>)[] = []>(
    this: M,
    ...names: A
  ): ModelLoader<WithLoaded<InstanceType<M>, D, A[number], Record<never, never>>>;
  /**
   * A loader with related loaders (and a query builder): `User.load({ team: Team }).query`;
   * relationships by name with their loaders: `Author.load({ posts: Post.load('tags') })`.
   */
  load<
    M extends AnyConstructor,
    const E extends Readonly<Record<string, unknown>>,
    const A extends readonly (ColumnRef<D> | RelationKeys<D>)[] = [],
  >(this: M, ...args: [...names: A, related: E]): ModelLoader<WithLoaded<InstanceType<M>, D, A[number], E>>;
  /** How many rows of a relationship each row has (a correlated count): `Author.countOf('posts')`. */
  countOf(relationship: RelationKeys<D>, filter?: (related: RelationColumns) => Expr): RelationCount;
  /** A loader of this model from a subquery's columns (GINO's `in_query`): `User.inQuery(sub.alias('users'))`. */
  inQuery<M extends AnyConstructor>(this: M, subquery: Alias | Select<unknown, unknown>): ModelLoader<InstanceType<M>>;
  /** A loader reusing one instance per value of these columns: `Parent.distinct(Parent.id)`. */
  distinct<M extends AnyConstructor>(this: M, ...columns: (ColumnRef<D> | Expr)[]): ModelLoader<InstanceType<M>>;
  /** A loader joined to its parent ON this clause: `Team.on(User.teamId.eq(Team.id))`. */
  on<M extends AnyConstructor>(this: M, clause: Expr): ModelLoader<InstanceType<M>>;
  join(right: FromItem | { __table__: Table }, on?: Expr): Join;
  outerjoin(right: FromItem | { __table__: Table }, on?: Expr): Join;
  readonly gino: {
    create(options?: { checkfirst?: boolean; bind?: unknown }): Promise<void>;
    drop(options?: { checkfirst?: boolean; bind?: unknown }): Promise<void>;
  };
}

/** The class `db.Model(definition)` returns; extend it: `class User extends db.Model({...}) {}`. */
export type ModelClass<D> = ModelStatics<D> &
  ModelStaticColumns<D> &
  ModelStaticProperties<D> &
  (new (
    values?: ModelInput<D>,
  ) => ModelInstance<D>);

export type { ColumnOptions };
