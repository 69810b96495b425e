/**
 * Tables and their parts as SQL objects: columns (expressions bound to a table), constraints,
 * indexes, foreign keys, aliases and joins. The model layer (`src/orm/`) builds these.
 */
import { InvalidRequestError, modelName } from '../errors.js';
import type { SqlType } from '../types/sqltypes.js';
import type { Executor } from './executor.js';
import { and, type Expr, Expr as ExprBase, Label } from './expr.js';
import type { Select } from './select.js';
import { type SharedList, shareList } from './shared.js';

export type ReferentialAction = 'CASCADE' | 'SET NULL' | 'SET DEFAULT' | 'RESTRICT' | 'NO ACTION';

/** `db.ForeignKey('teams.id', { onDelete: 'CASCADE' })`, given as a column's `references`. */
export class ForeignKey {
  readonly kind = 'foreignKey';
  constructor(
    readonly target: string,
    readonly options: { onDelete?: ReferentialAction; onUpdate?: ReferentialAction; name?: string } = {},
  ) {
    if (target.split('.').length < 2) {
      throw new InvalidRequestError(`ForeignKey('${target}') must name 'table.column' (or 'schema.table.column')`);
    }
  }
  /** `[schema, table, column]` of the target. */
  get parts(): [string | undefined, string, string] {
    const p = this.target.split('.');
    return p.length === 2 ? [undefined, p[0] as string, p[1] as string] : [p[0], p[1] as string, p[2] as string];
  }
}

export interface ColumnOptions<T = unknown> {
  primaryKey?: boolean;
  nullable?: boolean;
  /** A value (or a function returning one) used by `create()`/`insert()` when none is given. */
  default?: T | (() => T);
  /** A DDL default: a string literal, a number, or a SQL expression such as `db.func.now()`. */
  serverDefault?: string | number | boolean | Expr;
  unique?: boolean;
  index?: boolean;
  /** The column's name in the database, when it differs from the attribute. */
  name?: string;
  comment?: string;
  /** For an Integer primary key, `false` stops SERIAL. */
  autoincrement?: boolean;
  references?: ForeignKey;
}

/**
 * An unbound column definition from `db.Column(type, options)`; each model copies it. The phantom
 * flags type models: `NotNull` (NOT NULL), `Optional` (an insert may leave it out: it is nullable,
 * has a default or a server default, or is a SERIAL key), `In` what a write may give it (the
 * values its type takes: a BigInteger also takes a safe integer or a string of digits).
 */
export class ColumnDef<T = unknown, NotNull extends boolean = boolean, Optional extends boolean = boolean, In = T> {
  readonly kind = 'columnDef';
  declare readonly __type: T;
  declare readonly __notNull: NotNull;
  declare readonly __optional: Optional;
  declare readonly __in: In;
  constructor(
    readonly type: SqlType<T>,
    readonly options: ColumnOptions<T> = {},
  ) {}
}

export type FromItem = Table | Alias | Join;

/**
 * The table (or alias) names a FROM item brings in, for typing: a model's `__tablename__`, a
 * typed alias's name, a join's tables; `string` when not known.
 */
export type TablesOf<X> = X extends { readonly __tables: infer T extends string }
  ? T
  : X extends { readonly __alias: infer A extends string }
    ? A
    : X extends { readonly __tablename__: infer N extends string }
      ? N
      : string;

/** The names of the tables a FROM item outer-joins (their columns may be NULL in its rows). */
export type OuterOf<X> = X extends { readonly __outer: infer N extends string } ? N : never;

/**
 * The error for a column key `owner` does not have (a table, an alias, a model), naming the keys it
 * has and, for a model, its JSON properties: one wording wherever a column is looked up by key.
 * `what` names the call that looked (`insert: table 'users' has no column ...`).
 */
export function noSuchColumn(
  owner: string,
  key: string,
  columns: readonly { readonly key: string }[],
  options: { properties?: readonly { readonly key: string }[]; what?: string } = {},
): InvalidRequestError {
  const props = options.properties?.length
    ? `; JSON properties: ${options.properties.map((p) => p.key).join(', ')}`
    : '';
  return new InvalidRequestError(
    `${options.what ? `${options.what}: ` : ''}${owner} has no column '${key}' (columns: ${columns.map((c) => c.key).join(', ')}${props})`,
  );
}

/** A model class: anything with a `__table__`. */
export interface HasTable {
  readonly __table__: Table;
}

/** A FROM item, or a model standing for its table; an abstract model (a class without one) is refused. */
export function asFromItem(item: FromItem | HasTable): FromItem {
  if (typeof item === 'function') {
    const table = (item as Partial<HasTable>).__table__;
    if (!table) {
      throw new InvalidRequestError(
        `${modelName(item)} is abstract (it has no __tablename__): it has no table to select from or join`,
      );
    }
    return table;
  }
  return '__table__' in item ? item.__table__ : item;
}

/**
 * A column of a table (or of an alias): an expression, with its definition. `T` is its value in
 * JavaScript (with `null` when the column is nullable), `K` its key, `Tb` the name of the table or
 * alias it belongs to (how a result row knows which columns an outer join makes nullable).
 */
export class Column<T = unknown, K extends string = string, Tb extends string = string> extends ExprBase<T> {
  readonly kind = 'column';
  /** Phantom: the table or alias name, for typing rows of outer joins. */
  declare readonly __table: Tb;
  readonly primaryKey: boolean;
  readonly nullable: boolean;
  constructor(
    readonly table: Table | Alias,
    readonly key: K,
    readonly name: string,
    readonly type: SqlType<T>,
    readonly options: ColumnOptions<T>,
  ) {
    super();
    this.primaryKey = options.primaryKey === true;
    this.nullable = options.nullable ?? !this.primaryKey;
  }
  /**
   * `table.key` (`alias.key`): also the key that reads this column's value from a result row,
   * `row[User.id]`, as GINO rows are read by column.
   */
  override toString(): string {
    if (this.ref === undefined) {
      const owner = this.table;
      this.ref = `${owner.kind === 'table' ? owner.fullName : owner.uid}.${this.key}`;
    }
    return this.ref;
  }
  /** `toString()`'s text, made once. */
  private ref: string | undefined;
  /** `column AS name`: the key of this column in result rows. */
  override label<N extends string>(name: N): Label<T, N, Tb> {
    return new Label<T, N, Tb>(this, name);
  }
  /** The same column, owned by another table or alias. */
  rebind(owner: Table | Alias): Column<T, K, string> {
    return new Column(owner, this.key, this.name, this.type, this.options);
  }
  /** True when the column is a SERIAL (an Integer or BigInteger primary key, autoincrementing). */
  get serial(): boolean {
    if (!this.primaryKey || this.options.autoincrement === false) return false;
    const own = this.table.kind === 'table' ? this.table : undefined;
    if (own && own.primaryKey.length > 1 && this.options.autoincrement !== true) return false;
    return (this.type.kind === 'Integer' || this.type.kind === 'BigInteger') && this.options.default === undefined;
  }
}

export class PrimaryKeyConstraint {
  readonly kind = 'primaryKeyConstraint';
  constructor(
    readonly columns: readonly string[],
    readonly options: { name?: string } = {},
  ) {}
}

export class UniqueConstraint {
  readonly kind = 'uniqueConstraint';
  constructor(
    readonly columns: readonly string[],
    readonly options: { name?: string } = {},
  ) {}
}

export class ForeignKeyConstraint {
  readonly kind = 'foreignKeyConstraint';
  constructor(
    readonly columns: readonly string[],
    readonly refColumns: readonly string[],
    readonly options: { name?: string; onDelete?: ReferentialAction; onUpdate?: ReferentialAction } = {},
  ) {
    if (columns.length !== refColumns.length || columns.length === 0) {
      throw new InvalidRequestError('ForeignKeyConstraint needs as many referenced columns as columns, at least one');
    }
  }
}

export class CheckConstraint {
  readonly kind = 'checkConstraint';
  constructor(
    readonly sqlText: string,
    readonly options: { name?: string } = {},
  ) {}
}

export class Index {
  readonly kind = 'index';
  constructor(
    readonly name: string,
    readonly columns: readonly (string | Expr)[],
    readonly options: { unique?: boolean } = {},
  ) {}
}

export type Constraint = PrimaryKeyConstraint | UniqueConstraint | ForeignKeyConstraint | CheckConstraint;

/** A resolved foreign key: columns of this table → columns of `target`. */
export interface ForeignKeyInfo {
  columns: readonly Column[];
  target: { schema: string | undefined; table: string; columns: readonly string[] };
  name: string | undefined;
  onDelete: ReferentialAction | undefined;
  onUpdate: ReferentialAction | undefined;
}

/**
 * The schema a foreign key's target table is in: the one it names, else the referencing table's
 * (its DDL says `REFERENCES <that schema>.<target>`). The one rule for joins, DDL order and diffs.
 */
export function referencedSchema(fk: ForeignKeyInfo, from: Table): string | undefined {
  return fk.target.schema ?? from.schema;
}

/** Whether `fk`, a foreign key of `from`, references the table `to`. */
export function referencesTable(fk: ForeignKeyInfo, from: Table, to: Table): boolean {
  return fk.target.table === to.name && referencedSchema(fk, from) === to.schema;
}

interface Joinable {
  join(right: FromItem | HasTable, on?: Expr): Join<string, string>;
  outerjoin(right: FromItem | HasTable, on?: Expr): Join<string, string>;
}

function joinOf(
  left: FromItem,
  rightItem: FromItem | HasTable,
  on: Expr | undefined,
  outer: boolean,
  executor?: Executor,
): Join<never, never> {
  const right = asFromItem(rightItem);
  return new Join<never, never>(left, right, on ?? foreignKeyCondition(left, right), outer, executor);
}

/** A table: its columns by attribute key, its constraints and indexes. */
export class Table implements Joinable {
  readonly kind = 'table';
  readonly columns: SharedList<Column>;
  readonly c: Readonly<Record<string, Column>>;
  readonly primaryKey: readonly Column[];
  readonly foreignKeys: readonly ForeignKeyInfo[];
  constructor(
    readonly name: string,
    readonly schema: string | undefined,
    columns: readonly { key: string; def: ColumnDef }[],
    readonly constraints: readonly Constraint[] = [],
    readonly indexes: readonly Index[] = [],
  ) {
    const byKey: Record<string, Column> = {};
    const pkConstraint = constraints.find((c): c is PrimaryKeyConstraint => c.kind === 'primaryKeyConstraint');
    const list = columns.map(({ key, def }) => {
      const options = pkConstraint?.columns.some((n) => n === key || n === (def.options.name ?? key))
        ? { ...def.options, primaryKey: true }
        : def.options;
      const column = new Column(this, key, def.options.name ?? key, def.type, options);
      byKey[key] = column;
      return column;
    });
    // Shared: every statement over the table selects or returns this one list, rendered once.
    this.columns = shareList(list);
    this.c = byKey;
    this.primaryKey = list.filter((c) => c.primaryKey);
    this.foreignKeys = this.resolveForeignKeys();
  }

  get fullName(): string {
    return this.schema ? `${this.schema}.${this.name}` : this.name;
  }

  /** The column with this attribute key or database name, or a clear error. */
  column(keyOrName: string): Column {
    const found = this.c[keyOrName] ?? this.columns.find((c) => c.name === keyOrName);
    if (!found) throw noSuchColumn(`table '${this.fullName}'`, keyOrName, this.columns);
    return found;
  }

  private resolveForeignKeys(): ForeignKeyInfo[] {
    const out: ForeignKeyInfo[] = [];
    for (const column of this.columns) {
      const fk = column.options.references;
      if (!fk) continue;
      const [schema, table, target] = fk.parts;
      out.push({
        columns: [column],
        target: { schema, table, columns: [target] },
        name: fk.options.name,
        onDelete: fk.options.onDelete,
        onUpdate: fk.options.onUpdate,
      });
    }
    for (const constraint of this.constraints) {
      if (constraint.kind !== 'foreignKeyConstraint') continue;
      const targets = constraint.refColumns.map((r) => r.split('.'));
      const first = targets[0] as string[];
      const [schema, table] = first.length === 3 ? [first[0], first[1] as string] : [undefined, first[0] as string];
      out.push({
        columns: constraint.columns.map((n) => this.column(n)),
        target: { schema, table, columns: targets.map((t) => t[t.length - 1] as string) },
        name: constraint.options.name,
        onDelete: constraint.options.onDelete,
        onUpdate: constraint.options.onUpdate,
      });
    }
    return out;
  }

  alias(name: string): Alias {
    return new Alias(this, name);
  }
  join(right: FromItem | HasTable, on?: Expr): Join<string, string> {
    return joinOf(this, right, on, false);
  }
  outerjoin(right: FromItem | HasTable, on?: Expr): Join<string, string> {
    return joinOf(this, right, on, true);
  }
}

let anonymousAliases = 0;

/**
 * `table AS name` (or a subquery `(SELECT ...) AS name`); its columns refer to the alias. An alias
 * made without a name is anonymous: each compile names it (`users_1`, `anon_1`, ...) in order of
 * appearance, so the same statement always compiles to the same SQL.
 */
export class Alias implements Joinable {
  readonly kind = 'alias';
  readonly columns: SharedList<Column>;
  readonly c: Readonly<Record<string, Column>>;
  /** The alias's name; for an anonymous alias, the stem its compiled name is made from. */
  readonly name: string;
  /** Made without a name: named per compile. */
  readonly anonymous: boolean;
  /** Tells anonymous aliases apart where no compile is involved (`String(alias.c.id)`). */
  readonly uid: string;
  constructor(
    readonly of: Table | SubquerySource,
    name?: string,
  ) {
    if (name !== undefined && (typeof name !== 'string' || name === '')) {
      throw new InvalidRequestError('an alias name is a non-empty string (or leave it out for an anonymous alias)');
    }
    this.anonymous = name === undefined;
    this.name = name ?? (of.kind === 'table' ? of.name : 'anon');
    this.uid = this.anonymous ? `${this.name}~${++anonymousAliases}` : this.name;
    const byKey: Record<string, Column> = {};
    const columns =
      of.kind === 'table'
        ? of.columns.map((col) => col.rebind(this))
        : of.outputs.map((o) => new Column(this, o.key, o.name, o.type, {}));
    for (const c of columns) byKey[c.key] = c;
    // Shared, as a table's: `db.select([alias])` and model loaders over the alias use this list.
    this.columns = shareList(columns);
    this.c = byKey;
  }
  get table(): Table | undefined {
    return this.of.kind === 'table' ? this.of : undefined;
  }
  column(key: string): Column {
    const found = this.c[key];
    if (!found) throw noSuchColumn(`alias '${this.name}'`, key, this.columns);
    return found;
  }
  join(right: FromItem | HasTable, on?: Expr): Join<string, string> {
    return joinOf(this, right, on, false);
  }
  outerjoin(right: FromItem | HasTable, on?: Expr): Join<string, string> {
    return joinOf(this, right, on, true);
  }
}

/** A SELECT used as a FROM item (`select.alias(name)`), with its result columns. */
export interface SubquerySource {
  readonly kind: 'subquery';
  readonly select: object;
  /** `origin`: the column an output selects as it is (or labelled), whose foreign keys it carries. */
  readonly outputs: readonly { key: string; name: string; type: SqlType; origin?: Column }[];
}

type JoinSelect = (join: Join, executor: Executor | undefined) => Select<Record<string, unknown>, unknown>;

/** Makes the SELECT of a join (set by `select.ts`, which builds on this module). */
let selectOfJoin: JoinSelect | undefined;

/** @internal Called once by `select.ts`. */
export function provideJoinSelect(make: JoinSelect): void {
  selectOfJoin = make;
}

/**
 * A join of FROM items. For typing, `T` names its tables and `N` those it outer-joins (whose
 * columns a row may hold as NULL); both are `string` for joins of untyped tables.
 */
export class Join<T extends string = string, N extends string = string> implements Joinable {
  readonly kind = 'join';
  /** Phantom: the names of the tables joined. */
  declare readonly __tables: T;
  /** Phantom: the names of the tables outer-joined. */
  declare readonly __outer: N;
  constructor(
    readonly left: FromItem,
    readonly right: FromItem,
    readonly on: Expr,
    readonly outer: boolean,
    /** What runs `join.select()` (a model's join has its Gino); not part of the node. */
    private readonly executor?: Executor,
  ) {}
  /** The same join, whose `select()` runs on `executor` (`Model.join()` gives its Gino). */
  withExecutor(executor: Executor | undefined): Join<T, N> {
    return new Join<T, N>(this.left, this.right, this.on, this.outer, executor);
  }
  /**
   * `SELECT <every column of every table in the join> FROM <join>` (SQLAlchemy's `join.select()`),
   * GINO's loader idiom: `User.outerjoin(Team).select().gino.load(User.load({ team: Team }))`.
   */
  select(): Select<Record<string, unknown>, unknown> {
    return (selectOfJoin as JoinSelect)(this, this.executor);
  }
  /** The tables and aliases of the join, left to right. */
  get items(): readonly (Table | Alias)[] {
    return tablesOf(this);
  }
  join<Rt extends FromItem | HasTable>(right: Rt, on?: Expr): Join<T | TablesOf<Rt>, N | OuterOf<Rt>> {
    return joinOf(this, right, on, false, this.executor);
  }
  outerjoin<Rt extends FromItem | HasTable>(right: Rt, on?: Expr): Join<T | TablesOf<Rt>, N | TablesOf<Rt>> {
    return joinOf(this, right, on, true, this.executor);
  }
}

function tablesOf(item: FromItem): (Table | Alias)[] {
  return item.kind === 'join' ? [...tablesOf(item.left), ...tablesOf(item.right)] : [item];
}

function baseTable(item: Table | Alias): Table | undefined {
  return item.kind === 'table' ? item : item.table;
}

/** A column of a table that `col` stands for: its own, a table alias's, or what a subquery's output selects. */
function tableColumnOf(col: Column | undefined): Column | undefined {
  if (!col) return undefined;
  const owner = col.table;
  if (owner.kind === 'table') return col;
  if (owner.of.kind === 'table') return owner.of.c[col.key];
  const i = owner.columns.indexOf(col);
  return tableColumnOf(owner.of.outputs[i]?.origin);
}

/** Each column of a FROM item with the table column it stands for (a subquery alias's may stand for none). */
function origins(item: Table | Alias): [Column, Column | undefined][] {
  return item.columns.map((c) => [c, tableColumnOf(c)]);
}

/**
 * The single-column foreign keys from `from`'s columns to `to`'s, found through the table columns
 * they stand for: how a join with a subquery alias finds its ON clause.
 */
function fkThroughOrigins(from: Table | Alias, to: Table | Alias): Expr[] | undefined {
  const targets = origins(to);
  for (const [local, origin] of origins(from)) {
    if (origin?.table.kind !== 'table') continue;
    for (const fk of origin.table.foreignKeys) {
      if (fk.columns.length !== 1 || fk.columns[0] !== origin) continue;
      const remote = targets.find(([, o]) => {
        if (o?.table.kind !== 'table') return false;
        const t = o.table;
        return referencesTable(fk, origin.table as Table, t) && o.name === fk.target.columns[0];
      });
      if (remote) return [remote[0].eq(local)];
    }
  }
  return undefined;
}

function fkBetween(from: Table | Alias, to: Table | Alias): Expr[] | undefined {
  const fromTable = baseTable(from);
  const toTable = baseTable(to);
  if (!fromTable || !toTable) return fkThroughOrigins(from, to);
  for (const fk of fromTable.foreignKeys) {
    if (!referencesTable(fk, fromTable, toTable)) continue;
    return fk.columns.map((col, i) => {
      const local = from.kind === 'alias' ? from.column(col.key) : col;
      const targetName = fk.target.columns[i] as string;
      const remoteCol = toTable.column(targetName);
      const remote = to.kind === 'alias' ? to.column(remoteCol.key) : remoteCol;
      return remote.eq(local);
    });
  }
  return undefined;
}

/** The ON clause of a join made from foreign keys, as SQLAlchemy's `join()` infers it: referenced column = referencing column (`cars.id = wheels.car_id`). */
export function foreignKeyCondition(left: FromItem, right: FromItem): Expr {
  const rights = tablesOf(right);
  for (const l of tablesOf(left)) {
    for (const r of rights) {
      const clauses = fkBetween(l, r) ?? fkBetween(r, l);
      if (clauses) return and(...clauses);
    }
  }
  const name = (i: FromItem) =>
    tablesOf(i)
      .map((t) => t.name)
      .join(', ');
  throw new InvalidRequestError(
    `no foreign key links ${name(left)} and ${name(right)}; give the join an ON clause: join(other, a.id.eq(b.a_id))`,
  );
}
