/**
 * The types of models: the instance type comes from the columns (`user.id` is `number`), creation
 * and update values accept only known keys, and statics carry typed column expressions.
 */

import type { Delete, Insert, Update } from '../sql/dml.js';
import type { AnyConstructor } from '../sql/executor.js';
import type { Expr } from '../sql/expr.js';
import type { Select } from '../sql/select.js';
import type {
  Alias,
  Column,
  ColumnDef,
  ColumnOptions,
  FromItem,
  HasTable,
  Join,
  OuterOf,
  Table,
  TablesOf,
} from '../sql/table.js';
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

/**
 * Whether an insert may leave a column out: it is nullable, or has a `default` or `serverDefault`,
 * or is a SERIAL key (an `Integer` or `BigInteger` primary key without `autoincrement: false`).
 * `Kind` is the SQL type's kind (`'Integer'`, ...).
 */
export type OptionalOf<Kind, O> = O extends { default: unknown } | { serverDefault: unknown }
  ? true
  : NotNullOf<O> extends false
    ? true
    : O extends { primaryKey: true }
      ? Kind extends 'Integer' | 'BigInteger'
        ? O extends { autoincrement: false }
          ? false
          : true
        : false
      : false;

/**
 * What a write may give a column of type `T` whose SQL type is `Kind`: `T`, and what the type
 * also takes (the precision types take numbers and strings of digits; DateTime ISO strings).
 */
export type InputOf<Kind, T> = Kind extends 'BigInteger'
  ? T | bigint | number | `${bigint}`
  : Kind extends 'Numeric'
    ? T | number | bigint
    : Kind extends 'DateTime'
      ? T | string
      : T;

// biome-ignore lint/suspicious/noExplicitAny: matching any column definition
type AnyColumnDef = ColumnDef<any, any, any, any>;

/**
 * The attribute keys of the columns in a definition. Only `db.Column(...)` entries count, so other
 * entries of a definition (constraints, indexes, relationships) are never keys of values.
 */
export type ColumnKeys<D> = { [K in keyof D]: D[K] extends AnyColumnDef ? K : never }[keyof D] & string;

// biome-ignore lint/suspicious/noExplicitAny: matching any JSON property
type AnyJsonProperty = JsonProperty<any, any>;

/** The attribute keys of the JSON properties in a definition. */
export type PropertyKeys<D> = { [K in keyof D]: D[K] extends AnyJsonProperty ? K : never }[keyof D] & string;

/** The keys of the columns an insert must give: NOT NULL, with no default, not SERIAL. */
export type RequiredKeys<D> = {
  [K in ColumnKeys<D>]: D[K] extends { readonly __optional: false } ? K : never;
}[ColumnKeys<D>];

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

/**
 * What a write may give a column: a value its type takes (`null` only when it is nullable), or any
 * SQL expression (`db.func.now()`, `User.count.add(1)`, `db.text('DEFAULT')`).
 */
export type ColumnInput<C> =
  | (C extends { readonly __in: infer I; readonly __notNull: infer NN } ? (NN extends true ? I : I | null) : never)
  | Expr<unknown>;

/** What a write may give a JSON property: a value of its type, null (to remove it), or an expression. */
export type PropertyInput<P> = P extends { readonly __type: infer T } ? T | null | Expr<unknown> : never;

/** The table name a definition gives (`string` for an abstract model). */
export type TableNameOf<D> = D extends { readonly __tablename__: infer N extends string } ? N : string;

/** An instance's column values and JSON properties. */
export type ModelValues<D> = { -readonly [K in ColumnKeys<D>]: ColumnValue<D[K]> } & {
  -readonly [K in PropertyKeys<D>]: PropertyValue<D[K]>;
};

/**
 * Column values of a new row (`insert().values()`, `db.copyInto()`): the columns that are NOT NULL
 * without a default must be given, the rest may be; unknown keys are refused. JSON properties are
 * not columns: an INSERT statement names columns only (give the JSON column's value, or create()).
 */
export type ModelInsertColumns<D> = { [K in RequiredKeys<D>]: ColumnInput<D[K]> } & {
  [K in Exclude<ColumnKeys<D>, RequiredKeys<D>>]?: ColumnInput<D[K]>;
};

/** Values of a new instance (`create()`, `new Model(values)`): its columns, and its JSON properties. */
export type ModelInsert<D> = ModelInsertColumns<D> & { [K in PropertyKeys<D>]?: PropertyInput<D[K]> };

/** Values of an instance's `update()`: any known column or JSON property, each optional. */
export type ModelUpdate<D> = { [K in ColumnKeys<D>]?: ColumnInput<D[K]> } & {
  [K in PropertyKeys<D>]?: PropertyInput<D[K]>;
};

/** Values by column (`Model.update.values()`, `onConflictDoUpdate()`): known columns only, each optional. */
export type ColumnValues<D> = { [K in ColumnKeys<D>]?: ColumnInput<D[K]> };

/** The values of `update()` (the name `ModelUpdate` had before inserts were typed apart). */
export type ModelInput<D> = ModelUpdate<D>;

/** Whether a model has columns an insert must give (then `create()` needs values). */
type NeedsValues<D> = [RequiredKeys<D>] extends [never] ? false : true;

/** `create()`'s arguments: values may be left out only when no column needs one. */
export type CreateArgs<D> =
  NeedsValues<D> extends true
    ? [values: ModelInsert<D>, options?: BindOption]
    : [values?: ModelInsert<D>, options?: BindOption];

/** The instance methods of every model. */
export interface ModelMethods<D> {
  /** Insert this instance; it takes what the server returned (ids, server defaults). */
  create(options?: BindOption): Promise<this>;
  /** Change values now; `.apply()` writes only the changed columns. */
  update(values: ModelUpdate<D>): UpdateRequest<this>;
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

/**
 * `Model.query` typed as a subclass's rows, for a subclass to declare (TypeScript has no `this` type
 * for static properties): `declare static readonly query: SubclassQuery<Admin, typeof User>` in
 * `class Admin extends User` makes `Admin.query` rows `Admin`. Nothing changes at run time: the
 * rows are instances of the class the query is read on either way.
 */
export type SubclassQuery<T, Base extends { readonly query: Select<unknown, unknown> }> = Select<
  T,
  Base['query'] extends Select<unknown, infer S> ? S : never
>;

/**
 * Every column expression by attribute key: `User.c.id` is a `Column<number, 'id', 'users'>`, a
 * nullable column's type includes `null`. `Tb` is the table's name (an alias's, for an alias).
 */
export type ModelColumns<D, Tb extends string = TableNameOf<D>> = {
  readonly [K in ColumnKeys<D>]: Column<ColumnValue<D[K]>, K, Tb>;
};

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

/**
 * `Model.alias()`: the table under another name `Name` (`string` when unnamed), its columns as
 * properties, loading instances `I`.
 */
export type ModelAliasOf<D, I, Name extends string = string> = Omit<
  ModelAlias,
  'load' | 'on' | 'distinct' | '__loaded' | 'c' | 'join' | 'outerjoin'
> &
  Omit<ModelColumns<D, Name>, keyof ModelAlias> & {
    readonly __loaded?: I;
    /** Phantom: the alias name, for typing rows of outer joins. */
    readonly __alias: Name;
    readonly c: ModelColumns<D, Name>;
    join<Rt extends FromItem | HasTable>(right: Rt, on?: Expr): Join<Name | TablesOf<Rt>, OuterOf<Rt>>;
    outerjoin<Rt extends FromItem | HasTable>(right: Rt, on?: Expr): Join<Name | TablesOf<Rt>, TablesOf<Rt>>;
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
  readonly __tablename__: TableNameOf<D>;
  /**
   * `SELECT` every column; rows are instances. A property cannot be typed by the class it is read
   * on (TypeScript has no `this` type for statics), so rows are typed as the model's instances;
   * `.gino.model(Admin)` types them as a subclass's (they are its instances at run time).
   */
  readonly query: Select<ModelInstance<D>, ModelValues<D>[ColumnKeys<D>]>;
  /** `SELECT` the named columns (or JSON properties); rows are plain objects. */
  select<K extends ColumnKeys<D> | PropertyKeys<D>, K2 extends ColumnKeys<D> | PropertyKeys<D> = K>(
    first: K,
    ...rest: K2[]
  ): Select<Pick<ModelValues<D>, K | K2>, ModelValues<D>[K]>;
  select(): Select<ModelValues<D>, unknown>;
  /** `UPDATE` over the table: `.values({...}).where(...)` (known columns only). */
  readonly update: Update<ModelInstance<D>, ColumnValues<D>>;
  /** `DELETE` over the table: `.where(...)`. */
  readonly delete: Delete<ModelInstance<D>>;
  /** `INSERT INTO` the table: `.values(row | rows)`, each row as `create()` takes it. */
  insert<M extends AnyConstructor>(this: M): Insert<InstanceType<M>, ModelInsertColumns<D>, ColumnValues<D>>;
  /** Insert a row; resolves to an instance of the class it was called on. */
  create<M extends AnyConstructor>(this: M, ...args: CreateArgs<D>): Promise<InstanceType<M>>;
  /** The row with this primary key, or null. */
  get<M extends AnyConstructor>(this: M, ident: Ident, options?: GetOptions): Promise<InstanceType<M> | null>;
  /** The table under another name (`<table>_1` when unnamed), for self-joins and alias loaders. */
  alias<M extends AnyConstructor, const Name extends string = string>(
    this: M,
    name?: Name,
  ): ModelAliasOf<D, InstanceType<M>, Name>;
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
  join<Rt extends FromItem | HasTable>(right: Rt, on?: Expr): Join<TableNameOf<D> | TablesOf<Rt>, OuterOf<Rt>>;
  /** `LEFT OUTER JOIN`: the right side's columns may be NULL in the rows. */
  outerjoin<Rt extends FromItem | HasTable>(right: Rt, on?: Expr): Join<TableNameOf<D> | TablesOf<Rt>, TablesOf<Rt>>;
  readonly gino: {
    create(options?: { checkfirst?: boolean; bind?: unknown }): Promise<void>;
    drop(options?: { checkfirst?: boolean; bind?: unknown }): Promise<void>;
  };
}

/**
 * The class `db.Model(definition)` returns; extend it: `class User extends db.Model({...}) {}`.
 * `new User()` makes an empty instance (to fill in before `create()`); `new User(values)` takes
 * values as `create()` does.
 */
export type ModelClass<D> = ModelStatics<D> &
  ModelStaticColumns<D> &
  ModelStaticProperties<D> & {
    new (): ModelInstance<D>;
    new (values: ModelInsert<D>): ModelInstance<D>;
  };

export type { ColumnOptions };
