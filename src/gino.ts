/**
 * `Gino`: the `db` object, a facade. It holds the models' tables and makes columns, types,
 * expressions and models; where queries run is the binder's (`engine/binder.ts`: binding stacks,
 * scopes, per-request bindings), DDL the DDL runner's (`engine/ddl.ts`), models the model
 * factory's (`orm/model.ts`).
 */
import type { CopyRow } from './compiler/copy.js';
import { type Bindable, Binder, type ClaimsLike, type ClaimsOptions } from './engine/binder.js';
import { type CopyResult, type CopyRows, copyInto } from './engine/copy.js';
import { type Iteration, iteration } from './engine/cursor.js';
import { type DdlOptions, DdlRunner } from './engine/ddl.js';
import type {
  Connection,
  Engine,
  QueryRunner,
  Transaction,
  TransactionOptions,
  Typed,
  TypedScalar,
} from './engine/engine.js';
import { type Logger, loaderOf, type Mode, type Query, toCompiled } from './engine/execute.js';
import { isValueSets, statementsFor } from './engine/executemany.js';
import { StatementExtension } from './engine/extension.js';
import type { TracerLike } from './engine/tracing.js';
import type { WorkerContext, WorkerHandler, WorkerOptions } from './engine/worker.js';
import { GinoError, InvalidRequestError } from './errors.js';
import { diffSchema, type SchemaChange, warnDrift } from './migrate/diff.js';
import type { Migration as MigrationOf } from './migrate/migration.js';
import {
  type MigrateOptions,
  type MigrateResult,
  type MigrationStatusEntry,
  migrate,
  migrationStatus,
} from './migrate/migrator.js';
import { propertyFactory } from './orm/json.js';
import { defineModel, type ModelHost } from './orm/model.js';
import type { RelationValueOf } from './orm/relation-types.js';
import { RelationshipDef, type RelationshipOptions } from './orm/relationship.js';
import type { ColumnOptions, InputOf, ModelClass, ModelDefinition, NotNullOf, OptionalOf } from './orm/typing.js';
import type { Insert } from './sql/dml.js';
import type { GinoExtension, StatusResult, ValueSet } from './sql/executor.js';
import type { TextClause } from './sql/expr.js';
import * as expr from './sql/expr.js';
import { type FuncNamespace, funcNamespace } from './sql/func.js';
import { type RowOf, type ScalarOf, Select, type SelectItem, Text } from './sql/select.js';
import {
  Alias,
  asFromItem,
  CheckConstraint,
  type Column,
  ColumnDef,
  ForeignKey,
  ForeignKeyConstraint,
  Index,
  PrimaryKeyConstraint,
  type ReferentialAction,
  Table,
  UniqueConstraint,
} from './sql/table.js';
import { type SqlType, typeFactories } from './types/sqltypes.js';

export type { Bindable };

/** A migration for `db.migrate()`: `up` and `down` are SQL scripts or async functions of `db`. */
export type Migration = MigrationOf<Gino>;

export interface GinoOptions {
  /** Called after every statement with its SQL, parameters and duration (never the URL). */
  logger?: Logger;
  /**
   * An OpenTelemetry tracer (`trace.getTracer('my-app')` of `@opentelemetry/api`): a span per
   * statement, batch and transaction, with OpenTelemetry's database attributes (`db.system.name`,
   * `db.query.text` with `$n` placeholders and never the values, `db.operation.name`,
   * `db.collection.name`, `db.namespace`, `server.address`, `server.port`). Statements nest under
   * their transaction's span, and the outermost under the application's active span. Works on
   * Workers too: nothing but the tracer's own methods is used.
   *
   * @example
   * import { trace } from '@opentelemetry/api';
   * const db = new Gino({ tracer: trace.getTracer('my-app') });
   */
  tracer?: TracerLike;
}

type NameOpts = { name?: string };
type Params = readonly unknown[] | BindOnly;
type BindOnly = { bind?: unknown };
type IterateOptions = { prefetch?: number; bind?: unknown; params?: readonly unknown[] };

/** What `db.copyInto()` copies into: a model class, or a table (`User.__table__`). */
export type CopyTarget = Table | { readonly __table__: Table; insert(): unknown };

/**
 * A row `db.copyInto(target, rows)` takes: a model's insert values (what `insert().values(row)`
 * takes), or values by attribute key for a table.
 */
export type CopyRowOf<T> = T extends { insert(): Insert<unknown, infer I, unknown> } ? I : CopyRow;

/** `db.copyInto()`'s options. */
export interface CopyOptions<T = CopyTarget> {
  /**
   * The attribute keys of the columns to copy. Default: the first row's keys, plus every column
   * with a client-side `default`. Columns not named take their server defaults.
   */
  columns?: readonly (keyof CopyRowOf<T> & string)[];
  /** Where it runs: an Engine, a connection or a transaction (default: the current one). */
  bind?: unknown;
}

/** What `batch` returns for one statement: its rows as its loader shapes them. */
export type RowsOf<Q> = Q extends Typed<infer R> ? R[] : Record<string, unknown>[];

function splitOptions<O extends object>(args: readonly (string | O)[]): [string[], O | undefined] {
  const last = args[args.length - 1];
  if (last !== undefined && typeof last === 'object') return [args.slice(0, -1) as string[], last as O];
  return [args as string[], undefined];
}

/**
 * The `db` object of GINO.
 *
 * @example
 * export const db = new Gino();
 * export class User extends db.Model({ __tablename__: 'users', id: db.Column(db.Integer(), { primaryKey: true }) }) {}
 * await db.setBind('pglite://memory');
 */
export class Gino implements ModelHost {
  readonly options: GinoOptions;
  /** Where queries run: binding stacks, scopes, per-request bindings. */
  private readonly binder: Binder;
  /** Creates and drops the models' tables. */
  private readonly ddl: DdlRunner;
  /** Every model's table, in definition order. */
  readonly tables: Table[] = [];

  // Column types.
  readonly Integer = typeFactories.Integer;
  readonly SmallInteger = typeFactories.SmallInteger;
  readonly BigInteger = typeFactories.BigInteger;
  readonly Numeric = typeFactories.Numeric;
  readonly Float = typeFactories.Float;
  readonly Real = typeFactories.Real;
  readonly Boolean = typeFactories.Boolean;
  readonly String = typeFactories.String;
  readonly Unicode = typeFactories.Unicode;
  readonly Text = typeFactories.Text;
  readonly Date = typeFactories.Date;
  readonly DateTime = typeFactories.DateTime;
  readonly Time = typeFactories.Time;
  readonly Interval = typeFactories.Interval;
  readonly JSON = typeFactories.JSON;
  readonly JSONB = typeFactories.JSONB;
  readonly UUID = typeFactories.UUID;
  readonly LargeBinary = typeFactories.LargeBinary;
  readonly ARRAY = typeFactories.ARRAY;
  readonly Enum = typeFactories.Enum;

  // JSON properties, kept in a JSON/JSONB column (`propName`, else the model's only one).
  /** `nickname: db.StringProperty()`: `users.profile ->> 'nickname'`. */
  readonly StringProperty = propertyFactory<string>('string');
  /** `age: db.IntegerProperty({ default: 0 })`: `CAST(users.profile ->> 'age' AS INTEGER)`. */
  readonly IntegerProperty = propertyFactory<number>('integer');
  /** `active: db.BooleanProperty({ default: true })`: `CAST(... AS BOOLEAN)` in SQL. */
  readonly BooleanProperty = propertyFactory<boolean>('boolean');
  /** A Date, stored as an ISO string; in SQL `CAST(... AS TIMESTAMP WITH TIME ZONE)`. */
  readonly DateTimeProperty = propertyFactory<Date>('datetime');
  /** A nested object kept under one key: `settings: db.ObjectProperty({ default: () => ({}) })`. */
  readonly ObjectProperty = propertyFactory<Record<string, unknown>>('object');
  /** An array kept under one key: `tags: db.ArrayProperty()`. */
  readonly ArrayProperty = propertyFactory<unknown[]>('array');
  /** Any JSON value; in SQL `users.profile -> 'key'`. */
  readonly JSONProperty = propertyFactory<unknown>('json');

  // Expressions.
  readonly and = expr.and;
  readonly or = expr.or;
  readonly not = expr.not;
  readonly concat = expr.concat;
  readonly literal = expr.literal;
  readonly cast = expr.cast;
  /**
   * A SQL fragment or statement with `:name` parameters: `db.text('id = :id', { id })` in a
   * where(), or run as is (`db.all(text)`, `text.gino.all()`); `.columns(User)` (or `{ key: type }`)
   * names its result columns, so rows load into models: `.gino.model(User)`.
   */
  text<T = unknown>(sql: string, params?: Readonly<Record<string, unknown>> | readonly unknown[]): Text<T> {
    return new Text<T>(sql, params ?? {}, this);
  }
  readonly exists = expr.exists;
  /** `CASE WHEN ... THEN ... ELSE ... END`: `db.case([[User.id.lt(10), 'founder']], 'member')`. */
  readonly case = expr.caseOf;
  /** `db.func.count(User.id)`, `db.func.now()`, any SQL function by name. */
  readonly func: FuncNamespace;
  /** SQL `NULL` (for JSON columns, where a JavaScript `null` is written as JSON null). */
  readonly null = expr.NULL;

  /**
   * DDL: `await db.gino.createAll()` / `dropAll()` (`checkfirst`, true by default, skips what
   * exists / is missing). They run in chunks — enums first, then each table with its indexes and
   * comments, never split — each chunk its own transaction (a native batch on neon-http), small
   * enough for PostgreSQL's default lock table, so hundreds of models work. Each chunk is atomic,
   * the whole run is not: after a failure the chunks before it stay, and running `createAll()`
   * (or `dropAll()`) again with checkfirst completes it. Inside a transaction they run in it,
   * atomic as a whole, and its locks are held until it ends. `createAll()` never alters an existing
   * table: it warns when one differs from its model. `check()` reports every difference between
   * the models and the database (empty when none), changing nothing.
   */
  readonly gino: {
    createAll(options?: { checkfirst?: boolean; bind?: unknown }): Promise<void>;
    dropAll(options?: { checkfirst?: boolean; bind?: unknown }): Promise<void>;
    check(options?: { bind?: unknown }): Promise<SchemaChange[]>;
  };

  constructor(options: GinoOptions = {}) {
    this.options = options;
    this.binder = new Binder(options.logger, options.tracer);
    this.ddl = new DdlRunner(
      (bind) => this.binder.runnerFor(bind),
      () => this.tables,
    );
    this.func = funcNamespace(this);
    this.gino = {
      createAll: async (o = {}) => {
        const skipped = await this.ddl.create(this.tables, o);
        if (skipped.length) await warnDrift(this.runnerFor(o.bind), this.tables, skipped);
      },
      dropAll: (o = {}) => this.ddl.drop(this.tables, o),
      check: (o = {}) => diffSchema(this.runnerFor(o.bind), this.tables),
    };
  }

  // ---- schema -------------------------------------------------------------------------------

  /**
   * A column definition: `db.Column(db.Integer(), { primaryKey: true })`.
   * Options: primaryKey nullable default serverDefault unique index name comment autoincrement references.
   */
  // biome-ignore lint/suspicious/noExplicitAny: any SQL type; its value type is read from it
  Column<S extends SqlType<any>, const O extends ColumnOptions<S['__js']> = Record<never, never>>(
    type: S,
    options?: O,
  ): ColumnDef<S['__js'], NotNullOf<O>, OptionalOf<S['kind'], O>, InputOf<S['kind'], S['__js']>> {
    return new ColumnDef(type, options ?? {});
  }

  /** `references: db.ForeignKey('teams.id', { onDelete: 'CASCADE' })`. */
  ForeignKey(
    target: string,
    options?: { onDelete?: ReferentialAction; onUpdate?: ReferentialAction; name?: string },
  ): ForeignKey {
    return new ForeignKey(target, options);
  }

  /**
   * A relationship to another model, in a model's definition: loaded by name
   * (`Post.load('author')`, `Author.load({ posts: Post.load('tags') })`), never a column. The join
   * comes from the foreign keys between the tables (`foreignKey` picks one of several), through
   * `secondary` for many-to-many, or from `on`. When two models refer to each other, give one side
   * its attribute type: TypeScript cannot infer a cycle of class definitions.
   *
   * @example
   * class Author extends db.Model({
   *   __tablename__: 'authors',
   *   id: db.Column(db.Integer(), { primaryKey: true }),
   *   posts: db.relationship<Post[]>(() => Post, { many: true }),
   * }) {}
   * class Post extends db.Model({
   *   __tablename__: 'posts',
   *   id: db.Column(db.Integer(), { primaryKey: true }),
   *   authorId: db.Column(db.Integer(), { name: 'author_id', references: db.ForeignKey('authors.id') }),
   *   author: db.relationship(() => Author),
   * }) {}
   */
  relationship<
    M extends abstract new (
      ...args: never[]
    ) => object,
    const O extends RelationshipOptions = Record<never, never>,
  >(target: M | (() => M), options?: O): RelationshipDef<RelationValueOf<M, O>>;
  relationship<P>(target: () => void, options?: RelationshipOptions): RelationshipDef<P>;
  relationship(target: unknown, options: RelationshipOptions = {}): RelationshipDef {
    return new RelationshipDef(target, options ?? {});
  }

  /** `_pk: db.PrimaryKeyConstraint('day', 'booker', { name: 'bookings_pkey' })`. */
  PrimaryKeyConstraint(...args: (string | NameOpts)[]): PrimaryKeyConstraint {
    const [cols, opts] = splitOptions<NameOpts>(args);
    return new PrimaryKeyConstraint(cols, opts);
  }

  /** `_uq: db.UniqueConstraint('day', 'room', { name: 'bookings_day_room' })`. */
  UniqueConstraint(...args: (string | NameOpts)[]): UniqueConstraint {
    const [cols, opts] = splitOptions<NameOpts>(args);
    return new UniqueConstraint(cols, opts);
  }

  /** `_fk: db.ForeignKeyConstraint(['team_id'], ['teams.id'], { onDelete: 'CASCADE' })`. */
  ForeignKeyConstraint(
    columns: readonly string[],
    refColumns: readonly string[],
    options?: { name?: string; onDelete?: ReferentialAction; onUpdate?: ReferentialAction },
  ): ForeignKeyConstraint {
    return new ForeignKeyConstraint(columns, refColumns, options);
  }

  /** `_check: db.CheckConstraint('price >= 0', { name: 'positive_price' })`: the SQL text is trusted code. */
  CheckConstraint(sqlText: string, options?: NameOpts): CheckConstraint {
    return new CheckConstraint(sqlText, options);
  }

  /** `_idx: db.Index('bookings_idx_day_room', 'day', 'room', { unique: true })`. */
  Index(name: string, ...args: (string | expr.Expr | { unique?: boolean })[]): Index {
    const last = args[args.length - 1];
    const hasOpts = last !== undefined && typeof last === 'object' && !(last instanceof expr.Expr);
    const cols = (hasOpts ? args.slice(0, -1) : args) as (string | expr.Expr)[];
    return new Index(name, cols, hasOpts ? (last as { unique?: boolean }) : {});
  }

  /**
   * A model class for a table; extend it.
   *
   * @example
   * class User extends db.Model({
   *   __tablename__: 'users',
   *   id: db.Column(db.Integer(), { primaryKey: true }),
   *   nickname: db.Column(db.Unicode(), { default: 'noname' }),
   * }) {}
   */
  Model<const D extends ModelDefinition>(definition: D): ModelClass<D> {
    return defineModel(this, definition) as unknown as ModelClass<D>;
  }

  /**
   * `SELECT` of columns and expressions — a model or an alias stands for all its columns, as in
   * GINO's `db.select([User])`; rows are plain objects keyed by attribute or label, typed from the
   * items (`db.select([User.id, User.nickname.label('nick')])` rows are `{ id: number; nick: string | null }`),
   * and `scalar()` is the first item's value.
   */
  select<const C extends readonly SelectItem[]>(columns: C): Select<RowOf<C>, ScalarOf<C>, C, never>;
  select<const C extends readonly SelectItem[]>(...columns: C): Select<RowOf<C>, ScalarOf<C>, C, never>;
  select(...args: readonly (SelectItem | readonly SelectItem[])[]): Select<unknown, unknown> {
    const given = (Array.isArray(args[0]) ? [...args[0], ...args.slice(1)] : args) as readonly SelectItem[];
    const list = given.flatMap((c): readonly expr.Expr[] =>
      c instanceof expr.Expr ? [c] : c instanceof Alias ? c.columns : (asFromItem(c) as Table).columns,
    );
    return new Select({ columns: list }, this);
  }

  /** @internal Called by `db.Model()`: the table joins `db.gino.createAll()`. */
  registerTable(table: Table): void {
    const existing = this.tables.findIndex((t) => t.name === table.name && t.schema === table.schema);
    if (existing !== -1) this.tables.splice(existing, 1);
    this.tables.push(table);
  }

  // ---- binding ------------------------------------------------------------------------------

  // ---- binding: where queries run (the binder) ------------------------------------------

  /**
   * Bind a database: a URL (one of the README's adapter URLs), an adapter from a factory, or an Engine. Pushes it on the
   * current stack (the scope's own inside `db.scope()`) and returns the Engine.
   *
   * @example
   * await db.setBind('postgresql://localhost/gino', { max: 10 });
   * await db.setBind('postgresql+neon-http://user:pw@ep-x.neon.tech/db');
   *
   * With `{ replicas: [url | { url, options }, ...] }` the engine sends plain SELECTs to the
   * replicas and everything else to the primary, with read-your-writes per scope
   * (`readYourWrites: 'wait' | 'primary'`, `replicaWaitMs`, `replicaRetryMs`,
   * `onReplicaFallback`; see docs/guides/scaling-out.md):
   * await db.setBind(env.PRIMARY_URL, { max: 10, replicas: [env.REPLICA_URL] });
   */
  setBind(bind: Bindable, options: Record<string, unknown> = {}): Promise<Engine> {
    return this.binder.setBind(bind, options);
  }

  /**
   * Unbind the most recent binding of the current stack and return it (close it yourself).
   *
   * @example
   * await db.popBind().close();
   */
  popBind(): Engine {
    return this.binder.popBind();
  }

  /** The current Engine; `UninitializedError` when nothing is bound. */
  get bind(): Engine {
    return this.binder.bind;
  }

  /**
   * Bind an Engine (GINO's `db.bind = engine`), replacing the current stack's most recent binding;
   * `db.bind = null` unbinds the current stack. Nothing is closed: close engines yourself.
   *
   * @example
   * db.bind = await db.createEngine(url);
   */
  set bind(engine: Engine | null) {
    this.binder.bind = engine;
  }

  /** Whether anything is bound in the current scope. */
  get isBound(): boolean {
    return this.binder.isBound;
  }

  /** Where a query with this `bind` option runs (an Engine, a connection or a transaction). */
  runnerFor(bind?: unknown): QueryRunner {
    return this.binder.runnerFor(bind);
  }

  /**
   * Run `fn` with its own binding stack (per request on Workers): bindings made inside are
   * invisible outside and to concurrent scopes; an empty scope sees its enclosing scope's binding.
   * Inside a transaction (or `db.acquire()`), queries in the scope stay in that transaction: also
   * after a `setBind()` of the engine the transaction runs on; binding another engine or a URL
   * in the scope runs its queries there instead.
   *
   * @example
   * await db.scope(async () => {
   *   await db.setBind(env.DATABASE_URL);
   *   try { return await User.query.gino.all(); } finally { await db.popBind().close(); }
   * });
   */
  scope<R>(fn: () => Promise<R> | R): Promise<R> {
    return this.binder.scope(fn);
  }

  /**
   * Scope, bind, run `fn(engine)`, and close the binding even when `fn` throws (`fn`'s error wins
   * over a failing close). An Engine you pass is used as is and not closed. Where the runtime has
   * no AsyncLocalStorage (browsers) nothing is bound: `fn` gets the engine for explicit `{ bind }`.
   * Inside a transaction, the engine the transaction runs on keeps `fn`'s queries in it; another
   * engine, or a URL (a new engine), is explicit: `fn`'s queries run there, outside the transaction.
   *
   * @example
   * const n = await db.withBind(env.DATABASE_URL, () => db.func.count(User.id).gino.scalar());
   */
  withBind<R>(
    bind: Bindable,
    fn: (engine: Engine) => Promise<R> | R,
    options: Record<string, unknown> = {},
  ): Promise<R> {
    return this.binder.withBind(bind, fn, options);
  }

  /**
   * A Workers module handler: each request runs in its own scope, bound to `bind(env, request)`;
   * the binding is closed through `ctx.waitUntil` once the response is ready, also when the
   * handler throws. Needs AsyncLocalStorage: `compatibility_flags = ["nodejs_compat"]` (or
   * `nodejs_als`); without it every request fails with `UnsupportedError`. Import the adapter
   * modules the URLs name at module scope (bundles cannot load them on demand).
   *
   * @example
   * import 'gino-edge/adapters/pg';
   * export default db.worker({
   *   bind: (env: Env) => env.DATABASE_URL,
   *   fetch: async () => Response.json(await User.query.gino.all()),
   * });
   */
  worker<Env = Cloudflare.Env, Ctx extends WorkerContext = WorkerContext>(
    handler: WorkerOptions<Env, Ctx>,
  ): WorkerHandler<Env, Ctx> {
    return this.binder.worker(handler);
  }

  /**
   * @internal One request in its own scope, bound to `bind()`, closed after `fn` through
   * `ctx.waitUntil` (inline without a context): what `db.worker()` and `gino-edge/hono` run.
   */
  bindRequest<R>(
    bind: () => Bindable | undefined | Promise<Bindable | undefined>,
    options: () => Record<string, unknown>,
    fn: (engine: Engine) => Promise<R> | R,
    ctx: WorkerContext | undefined,
  ): Promise<R> {
    return this.binder.request(bind, options, fn, ctx);
  }

  /**
   * Per-request identity for row-level security: every statement `fn` runs (and every statement
   * of the transactions, batches and cursors it opens) runs in a transaction that starts with
   * `set_config('request.jwt.claims', <claims JSON>, true)` and, with `role`, `SET LOCAL ROLE`
   * (as `set_config('role', role, true)`): policies read `current_setting('request.jwt.claims',
   * true)::jsonb`. Nothing outlives the transaction, so a pooled connection (pg's pool, PgBouncer,
   * Hyperdrive, Neon) keeps nothing of it. A statement outside a transaction becomes one: BEGIN,
   * the claims, the statement, COMMIT (on neon-http one batch: still one request). Called inside a
   * transaction it throws; a statement given an explicit `{ bind }` runs there, without the claims.
   *
   * @example
   * await db.withClaims({ sub: user.id, tenant: user.tenant }, () => Note.query.gino.all(), { role: 'app_user' });
   */
  withClaims<R>(claims: ClaimsLike, fn: () => Promise<R> | R, options: ClaimsOptions = {}): Promise<R> {
    return this.binder.withClaims(claims, fn, options);
  }

  /**
   * Run `fn` with every statement on the primary of a binding with read replicas (on any other
   * binding it changes nothing): reads that must see the latest committed data. Writes inside
   * still count for the enclosing scope's read-your-writes. For one statement,
   * `{ bind: db.bind.primary }` does the same.
   *
   * @example
   * const fresh = await db.primary(() => Account.get(id));
   */
  primary<R>(fn: () => Promise<R> | R): Promise<R> {
    return this.binder.primary(fn);
  }

  /** An Engine for a URL or adapter (with `{ replicas }`, over a primary and its replicas), not bound. */
  createEngine(bind: Bindable, options: Record<string, unknown> = {}): Promise<Engine> {
    return this.binder.createEngine(bind, options);
  }

  /**
   * A transaction: committed when `fn` resolves, rolled back when it throws; nested calls are
   * savepoints. Inside, queries run on its connection without passing `tx` (where the runtime has
   * AsyncLocalStorage); `{ bind: tx }` works everywhere. Resolves to `fn`'s value, or undefined
   * when `tx.raiseCommit()` / `tx.raiseRollback()` ended it early. Rejects with
   * `TransactionRolledBackError` when a statement inside failed (even one whose error `fn`
   * handled): PostgreSQL then rolls back instead of committing.
   *
   * `{ retries: n }` runs the whole transaction again, up to n times, when PostgreSQL aborts it
   * with a serialization failure (40001) or a deadlock (40P01), after a short, growing, jittered
   * wait; the callback runs again from the start, so keep side effects other than the database's
   * out of it. Other errors, and writes outside a transaction, are never retried.
   *
   * While a nested transaction is open, statements sent on the enclosing level (by code running
   * concurrently outside the nested callback) wait until it has ended, so its rollback never
   * undoes them; the same holds for a transaction opened inside `db.acquire()` and statements sent
   * on the connection. Without AsyncLocalStorage, code inside a nested callback must use the
   * nested `tx` it is given: a statement it sends with `{ bind: outerTx }` waits for the nested
   * transaction, that is for itself.
   *
   * Inside a transaction it is a savepoint, inside `db.acquire()` a transaction on the held
   * connection; `reuse: false` opens one on a connection of its own instead (GINO's `reuse=False`).
   *
   * @example
   * await db.transaction(async (tx) => {
   *   const u = await User.create({ nickname: 'x' });
   *   if (u.id > 10) tx.raiseRollback();
   * }, { isolation: 'serializable' });
   */
  async transaction<R>(
    fn: (tx: Transaction) => Promise<R>,
    options: TransactionOptions & { bind?: unknown } = {},
  ): Promise<R | undefined> {
    await this.binder.ready();
    const { bind, ...txOptions } = options;
    const runner = this.runnerFor(bind);
    // `reuse: false`, or an engine given as `bind` (explicit, as for statements): a transaction on
    // a connection of its own, wherever this is called.
    if (txOptions.reuse === false || (bind !== undefined && runner === runner.engine)) {
      return runner.engine.transaction(fn, { ...txOptions, reuse: false }, this.binder.wrap);
    }
    return runner.transaction(fn, txOptions, this.binder.wrap);
  }

  /**
   * A transaction ended by hand (GINO's manual control): run queries with `{ bind: tx }` or
   * `tx.all(...)`, then `await tx.commit()` or `await tx.rollback()`, which also gives its
   * connection back. Inside a transaction it is a savepoint. Until it ends, statements sent on
   * the level it was begun from (the enclosing transaction, or the connection of `db.acquire()`)
   * run in it, as they do in PostgreSQL. `commit()` rejects with `TransactionRolledBackError` when
   * a statement inside failed.
   */
  async begin(options: TransactionOptions & { bind?: unknown } = {}): Promise<Transaction> {
    const { bind, ...txOptions } = options;
    return this.runnerFor(bind).begin(txOptions);
  }

  /** A dedicated connection for `fn` (queries inside use it), released afterwards. */
  async acquire<R>(fn: (conn: Connection) => Promise<R>, options: { bind?: unknown } = {}): Promise<R> {
    await this.binder.ready();
    return this.runnerFor(options.bind).acquire(fn, this.binder.wrap);
  }

  /**
   * Statements run atomically, their rows in order, each shaped by its own loader: one request on
   * neon-http, one transaction elsewhere (a savepoint inside a transaction).
   *
   * @example
   * const [users, teams] = await db.batch([User.query, Team.query], { readOnly: true });
   * await db.batch([debit, credit], { isolation: 'serializable', retries: 3 }); // run again after 40001/40P01
   */
  async batch<const Q extends readonly Query[]>(
    queries: Q,
    options: TransactionOptions & { bind?: unknown } = {},
  ): Promise<{ -readonly [I in keyof Q]: RowsOf<Q[I]> }> {
    type Out = { -readonly [I in keyof Q]: RowsOf<Q[I]> };
    const { bind, ...batchOptions } = options;
    await this.binder.ready();
    return (await this.runnerFor(bind).batch(queries, batchOptions, this.binder.wrap)) as Out;
  }

  /**
   * Rows streamed into a table with `COPY ... FROM STDIN`: what `Model.insert().values(rows)`
   * would store, faster for many rows (pg, neon-ws, pglite; neon-http refuses it
   * with `UnsupportedError` before any I/O). `rows` is an iterable or async iterable, read lazily
   * as the connection takes the data, so an async generator of millions of rows runs in bounded
   * memory. Each value goes through its column type's serialisation, as a parameter would; a key
   * left out of a row takes the column's client-side `default` (a function default drawn per row),
   * and is refused without one, as are keys the copy does not name and SQL expressions
   * (`InvalidRequestError`, naming the row; the first row is checked before any I/O). Atomic: all
   * rows or none, also when a row, the server or the iterator fails mid-way; inside a
   * transaction it runs in a savepoint of its own, so a failure leaves the transaction usable.
   * Writes go to the primary. Don't let `rows` query the database through the transaction the
   * copy runs in: that connection is busy with the COPY.
   *
   * @example
   * const { rowCount } = await db.copyInto(User, [{ nickname: 'a' }, { nickname: 'b' }]);
   * async function* generate() { for (let i = 0; i < 1e6; i++) yield { nickname: `user ${i}` }; }
   * await db.copyInto(User, generate(), { columns: ['nickname'] });
   */
  async copyInto<T extends CopyTarget>(
    target: T,
    rows: CopyRows<CopyRowOf<T>>,
    options: CopyOptions<T> = {},
  ): Promise<CopyResult> {
    await this.binder.ready();
    return copyInto(this.runnerFor(options.bind), copyTable(target), rows as CopyRows<CopyRow>, options.columns);
  }

  // ---- running ------------------------------------------------------------------------------

  /** Run on the binding `params`/`options` name (or the current one), shaped as `mode` asks. */
  private async exec(mode: Mode, query: Query, params?: Params, options?: BindOnly): Promise<unknown> {
    if (Array.isArray(params)) return this.runnerFor(options?.bind).run(query, params, mode);
    return this.runnerFor((params as { bind?: unknown } | undefined)?.bind ?? options?.bind).run(
      query,
      undefined,
      mode,
    );
  }

  /** Every row of a statement or SQL string (`$1` parameters): `db.all(User.query)`. */
  all<R>(query: Typed<R>, params?: Params, options?: BindOnly): Promise<R[]>;
  all<R = Record<string, unknown>>(query: Query, params?: Params, options?: BindOnly): Promise<R[]>;
  all(query: Query, params?: Params, options?: BindOnly): Promise<unknown[]> {
    return this.exec('all', query, params, options) as Promise<unknown[]>;
  }
  /** The first row, or null. */
  first<R>(query: Typed<R>, params?: Params, options?: BindOnly): Promise<R | null>;
  first<R = Record<string, unknown>>(query: Query, params?: Params, options?: BindOnly): Promise<R | null>;
  first(query: Query, params?: Params, options?: BindOnly): Promise<unknown> {
    return this.exec('first', query, params, options);
  }
  /** Exactly one row (`NoResultFound`, `MultipleResultsFound`). */
  one<R>(query: Typed<R>, params?: Params, options?: BindOnly): Promise<R>;
  one<R = Record<string, unknown>>(query: Query, params?: Params, options?: BindOnly): Promise<R>;
  one(query: Query, params?: Params, options?: BindOnly): Promise<unknown> {
    return this.exec('one', query, params, options);
  }
  /** One row or null (`MultipleResultsFound` if more). */
  oneOrNone<R>(query: Typed<R>, params?: Params, options?: BindOnly): Promise<R | null>;
  oneOrNone<R = Record<string, unknown>>(query: Query, params?: Params, options?: BindOnly): Promise<R | null>;
  oneOrNone(query: Query, params?: Params, options?: BindOnly): Promise<unknown> {
    return this.exec('oneOrNone', query, params, options);
  }
  /** The first column of the first row, or null. */
  scalar<S>(query: TypedScalar<S>, params?: Params, options?: BindOnly): Promise<S | null>;
  scalar<S = unknown>(query: Query, params?: Params, options?: BindOnly): Promise<S | null>;
  scalar(query: Query, params?: Params, options?: BindOnly): Promise<unknown> {
    return this.exec('scalar', query, params, options);
  }
  /**
   * `{ status: 'UPDATE 9', rowCount, rows }`; given an INSERT (or `db.text()`) and sets of values,
   * runs it once per set, atomically, and resolves to null (GINO's executemany).
   */
  status(query: Insert<unknown> | TextClause, valueSets: readonly ValueSet[], options?: BindOnly): Promise<null>;
  status<R>(query: Typed<R>, params?: Params, options?: BindOnly): Promise<StatusResult<R>>;
  status<R = Record<string, unknown>>(query: Query, params?: Params, options?: BindOnly): Promise<StatusResult<R>>;
  status(query: Query, params?: Params, options?: BindOnly): Promise<StatusResult<unknown> | null> {
    return this.exec('status', query, params, options) as Promise<StatusResult<unknown> | null>;
  }

  /**
   * Rows through a server-side cursor, `prefetch` at a time (not on neon-http). Opens a
   * transaction (and takes a connection) for the cursor when none is open; leaving the loop early
   * closes the cursor and gives them back. `await` it for the cursor itself (GINO's cursor
   * object): `next()`, `many(n)`, `forward(n)`, `close()` — outside a transaction it holds its
   * transaction and connection until its rows are exhausted or it is closed.
   *
   * @example
   * for await (const user of db.iterate(User.query, { prefetch: 50 })) if (user.id > 9) break;
   * const cursor = await db.iterate(User.query);
   * const firstTen = await cursor.many(10);
   */
  iterate<R>(query: Typed<R>, options?: IterateOptions): Iteration<R>;
  iterate<R = Record<string, unknown>>(query: Query, options?: IterateOptions): Iteration<R>;
  iterate(query: Query, options: IterateOptions = {}): Iteration<unknown> {
    if (Array.isArray(options)) {
      throw new InvalidRequestError(
        'iterate() runs one statement with one set of values (a cursor); several sets of values go to status(): db.status(User.insert(), rows)',
      );
    }
    return iteration(
      () => this.runnerFor(options.bind),
      () => toCompiled(query, options.params),
      loaderOf(query) ?? null,
      options.prefetch,
    );
  }

  /**
   * `excluded.<column>` in `ON CONFLICT ... DO UPDATE`: the value the conflicting insert proposed.
   *
   * @example
   * User.insert().values(rows).onConflictDoUpdate(['id'], { nickname: db.excluded(User.nickname) })
   */
  excluded<T>(column: Column<T>): Column<T> {
    const table = column.table;
    if (table.kind !== 'table') throw new InvalidRequestError('excluded() takes a column of the inserted table');
    return new Alias(table, 'excluded').column(column.key) as Column<T>;
  }

  /**
   * The SQL and parameters a statement compiles to; with sets of values (executemany), the SQL
   * and one list of parameters per set.
   *
   * @example
   * db.compile(User.insert(), [{ nickname: 'a' }, { nickname: 'b' }]); // { sql, params: [['a'], ['b']] }
   */
  compile(query: object): { sql: string; params: unknown[] };
  compile(query: object, valueSets: readonly ValueSet[]): { sql: string; params: unknown[][] };
  compile(query: object, valueSets?: readonly ValueSet[]): { sql: string; params: unknown[] } {
    if (valueSets && isValueSets(query, valueSets)) {
      const compiled = statementsFor(query, valueSets).map((q) => toCompiled(q));
      const sql = compiled[0]?.sql as string;
      if (compiled.some((c) => c.sql !== sql)) {
        throw new InvalidRequestError('every set of values must name the same columns: they run as one statement');
      }
      return { sql, params: compiled.map((c) => c.params) };
    }
    const c = toCompiled(query);
    return { sql: c.sql, params: c.params };
  }

  /** @internal `statement.gino` asks its executor for this. */
  extension<R, S>(statement: object, loader: unknown): GinoExtension<R, S> {
    return new StatementExtension<R, S>(this, statement, loader);
  }

  // ---- DDL ----------------------------------------------------------------------------------

  /** @internal `Model.gino.create()`. */
  async createTable(table: Table, options: DdlOptions = {}): Promise<void> {
    await this.ddl.create([table], options);
  }

  /** @internal `Model.gino.drop()`. */
  dropTable(table: Table, options: DdlOptions = {}): Promise<void> {
    return this.ddl.drop([table], options);
  }

  // ---- migrations (src/migrate) ---------------------------------------------------------------

  /**
   * Apply the pending migrations, in order (up to `to`), or revert down to `to` (`'base'`: all).
   * One migrator at a time (an advisory lock); each migration is atomic with its ledger row in
   * `gino_migrations`. Resolves to what it applied and reverted; `dryRun` changes nothing.
   *
   * @example
   * await db.migrate([{ id: '0001_users', up: 'CREATE TABLE users (id serial PRIMARY KEY)', down: 'DROP TABLE users' }]);
   */
  migrate(migrations: readonly Migration[], options: MigrateOptions = {}): Promise<MigrateResult> {
    return migrate(this, migrations, options);
  }

  /** Each migration's state: `applied`, `pending`, or `changed` since it was applied (by checksum). */
  migrationStatus(migrations: readonly Migration[], options: { bind?: unknown } = {}): Promise<MigrationStatusEntry[]> {
    return migrationStatus(this, migrations, options);
  }
}

/** The table a copy goes to: a table, or a model's. */
function copyTable(target: unknown): Table {
  if (target instanceof Table) return target;
  const table = (target as { __table__?: unknown } | null)?.__table__;
  if (typeof target === 'function' && table instanceof Table) return table;
  throw new InvalidRequestError(
    typeof target === 'function'
      ? `${(target as { name?: string }).name || 'this model'} is abstract (it has no __tablename__): copy into a model with a table`
      : 'copyInto() copies into a model class or a table (Model.__table__)',
  );
}

export { GinoError };
