/**
 * `Gino`: the `db` object. It holds the models' tables, makes columns, types and expressions, and
 * runs queries on the current binding — a process-wide stack, or a per-request one inside
 * `db.scope()`.
 */
import {
  commentSqls,
  createEnumSql,
  createIndexSqls,
  createTableSql,
  dropEnumSql,
  dropTableSql,
  enumsOf,
} from './compiler/ddl.js';
import { quoteQualified } from './compiler/quote.js';
import type { Adapter, BatchOptions } from './engine/adapter.js';
import { ContextSlot } from './engine/context.js';
import { iterateCursor } from './engine/cursor.js';
import { chunked, type DdlGroup, ENUM_LOCKS, runChunks, tableLocks } from './engine/ddl.js';
import {
  Connection,
  type ContextRunner,
  Engine,
  levelWithin,
  QueryRunner,
  runAll,
  Transaction,
  type TransactionOptions,
  type Typed,
  type TypedScalar,
} from './engine/engine.js';
import { type Logger, loaderOf, type Mode, type Query, toCompiled } from './engine/execute.js';
import { StatementExtension } from './engine/extension.js';
import { resolveAdapter } from './engine/resolve.js';
import type { WorkerContext, WorkerHandler, WorkerOptions } from './engine/worker.js';
import { GinoError, InvalidRequestError, UninitializedError } from './errors.js';
import { propertyFactory } from './orm/json.js';
import { defineModel, type ModelHost } from './orm/model.js';
import type { ColumnOptions, ModelClass, ModelDefinition, NotNullOf } from './orm/typing.js';
import type { GinoExtension, StatusResult } from './sql/executor.js';
import * as expr from './sql/expr.js';
import { type FuncNamespace, funcNamespace } from './sql/func.js';
import { Select } from './sql/select.js';
import {
  Alias,
  CheckConstraint,
  type Column,
  ColumnDef,
  ForeignKey,
  ForeignKeyConstraint,
  type HasTable,
  Index,
  PrimaryKeyConstraint,
  type ReferentialAction,
  type Table,
  UniqueConstraint,
} from './sql/table.js';
import { type SqlType, typeFactories } from './types/sqltypes.js';

export interface GinoOptions {
  /** Called after every statement with its SQL, parameters and duration (never the URL). */
  logger?: Logger;
}

/** What `setBind` accepts: a URL, an adapter (from a factory such as `pglite(instance)`), or an Engine. */
export type Bindable = string | Adapter | Engine;

interface Store {
  readonly stack: Engine[];
  /** The transaction or held connection queries run on, unless this scope bound another engine. */
  readonly target: QueryRunner | undefined;
  /** The enclosing scope: its bindings serve where this one has none. */
  readonly parent: Store | undefined;
  /** A scope opened inside the target's callback: it keeps that target unless it binds another engine. */
  readonly inherited: boolean;
}

type NameOpts = { name?: string };
type Params = readonly unknown[] | BindOnly;
type BindOnly = { bind?: unknown };
type IterateOptions = { prefetch?: number; bind?: unknown; params?: readonly unknown[] };

/** What `batch` returns for one statement: its rows as its loader shapes them. */
export type RowsOf<Q> = Q extends Typed<infer R> ? R[] : Record<string, unknown>[];

function splitOptions<O extends object>(args: readonly (string | O)[]): [string[], O | undefined] {
  const last = args[args.length - 1];
  if (last !== undefined && typeof last === 'object') return [args.slice(0, -1) as string[], last as O];
  return [args as string[], undefined];
}

function isAdapter(value: unknown): value is Adapter {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Adapter).query === 'function' &&
    typeof (value as Adapter).capabilities === 'object'
  );
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
  private readonly globalStack: Engine[] = [];
  private readonly context = new ContextSlot<Store>();
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
  readonly text = expr.text;
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
   * atomic as a whole, and its locks are held until it ends.
   */
  readonly gino: {
    createAll(options?: { checkfirst?: boolean; bind?: unknown }): Promise<void>;
    dropAll(options?: { checkfirst?: boolean; bind?: unknown }): Promise<void>;
  };

  constructor(options: GinoOptions = {}) {
    this.options = options;
    this.func = funcNamespace(this);
    this.gino = {
      createAll: (o = {}) => this.createTables(this.tables, o),
      dropAll: (o = {}) => this.dropTables(this.tables, o),
    };
  }

  // ---- schema -------------------------------------------------------------------------------

  /**
   * A column definition: `db.Column(db.Integer(), { primaryKey: true })`.
   * Options: primaryKey nullable default serverDefault unique index name comment autoincrement references.
   */
  Column<T, const O extends ColumnOptions<T> = Record<never, never>>(
    type: SqlType<T>,
    options?: O,
  ): ColumnDef<T, NotNullOf<O>> {
    return new ColumnDef<T, NotNullOf<O>>(type, options ?? {});
  }

  /** `references: db.ForeignKey('teams.id', { onDelete: 'CASCADE' })`. */
  ForeignKey(
    target: string,
    options?: { onDelete?: ReferentialAction; onUpdate?: ReferentialAction; name?: string },
  ): ForeignKey {
    return new ForeignKey(target, options);
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
   * GINO's `db.select([User])`; rows are plain objects keyed by attribute or label.
   */
  select<R = Record<string, unknown>>(
    columns: readonly (expr.Expr | HasTable | Alias)[] | expr.Expr,
    ...more: (expr.Expr | HasTable | Alias)[]
  ): Select<R, unknown> {
    const given = Array.isArray(columns) ? [...columns, ...more] : [columns as expr.Expr, ...more];
    const list = given.flatMap((c): readonly expr.Expr[] =>
      c instanceof expr.Expr ? [c] : c instanceof Alias ? c.columns : (c as HasTable).__table__.columns,
    );
    return new Select<R, unknown>({ columns: list }, this);
  }

  /** @internal Called by `db.Model()`: the table joins `db.gino.createAll()`. */
  registerTable(table: Table): void {
    const existing = this.tables.findIndex((t) => t.name === table.name && t.schema === table.schema);
    if (existing !== -1) this.tables.splice(existing, 1);
    this.tables.push(table);
  }

  // ---- binding ------------------------------------------------------------------------------

  private store(): Store | undefined {
    return this.context.get();
  }

  private stack(): Engine[] {
    return this.store()?.stack ?? this.globalStack;
  }

  /**
   * Bind a database: a URL (one of the README's adapter URLs), an adapter from a factory, or an Engine. Pushes it on the
   * current stack (the scope's own inside `db.scope()`) and returns the Engine.
   *
   * @example
   * await db.setBind('postgresql://localhost/gino', { max: 10 });
   * await db.setBind('postgresql+neon-http://user:pw@ep-x.neon.tech/db');
   */
  async setBind(bind: Bindable, options: Record<string, unknown> = {}): Promise<Engine> {
    if (typeof bind !== 'string' && Object.keys(options).length) {
      throw new InvalidRequestError(
        'setBind(): options go with a URL; an adapter or Engine was already made with its own (e.g. pg(url, { max }))',
      );
    }
    const engine = bind instanceof Engine ? bind : await this.createEngine(bind, options);
    this.stack().push(engine);
    return engine;
  }

  /**
   * Unbind the most recent binding of the current stack and return it (close it yourself).
   *
   * @example
   * await db.popBind().close();
   */
  popBind(): Engine {
    const stack = this.stack();
    const engine = stack.pop();
    if (!engine) throw new UninitializedError('popBind(): nothing is bound here; setBind() first');
    return engine;
  }

  /** The current Engine; `UninitializedError` when nothing is bound. */
  get bind(): Engine {
    let engine: Engine | undefined;
    for (let store = this.store(); store && !engine; store = store.parent) engine = store.stack[store.stack.length - 1];
    engine ??= this.globalStack[this.globalStack.length - 1];
    if (!engine) {
      throw new UninitializedError(
        'gino engine is not initialized: call await db.setBind(url) first (or pass { bind } to this call)',
      );
    }
    return engine;
  }

  /** Whether anything is bound in the current scope. */
  get isBound(): boolean {
    for (let store = this.store(); store; store = store.parent) if (store.stack.length > 0) return true;
    return this.globalStack.length > 0;
  }

  /**
   * Where a query runs: an explicit bind, the current transaction or connection, else `db.bind`.
   * Inside a scope opened within a transaction, the transaction, unless that scope bound another
   * engine. An explicit bind of a level that the current one runs inside (the enclosing
   * transaction, or the held connection, from within a nested callback) means the current level:
   * the enclosing one waits for it to end, and PostgreSQL runs the statement in it anyway.
   */
  runnerFor(bind?: unknown): QueryRunner {
    const store = this.store();
    if (bind !== undefined && bind !== null) {
      if (bind instanceof QueryRunner) return levelWithin(bind, store?.target);
      throw new InvalidRequestError('bind must be an Engine, a Connection or a Transaction');
    }
    if (!store) return this.bind;
    for (let s: Store | undefined = store; s?.inherited; s = s.parent) {
      const top = s.stack[s.stack.length - 1];
      if (top) return top === store.target?.engine ? store.target : top;
    }
    return store.target ?? this.bind;
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
  async scope<R>(fn: () => Promise<R> | R): Promise<R> {
    await this.context.ready();
    const parent = this.store();
    const target = parent?.target;
    // Throws a clear UnsupportedError where the runtime has no AsyncLocalStorage.
    return this.context.run({ stack: [], target, parent, inherited: target !== undefined }, async () => await fn());
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
  async withBind<R>(
    bind: Bindable,
    fn: (engine: Engine) => Promise<R> | R,
    options: Record<string, unknown> = {},
  ): Promise<R> {
    if (await this.context.ready()) return this.scope(() => this.bound(bind, options, fn, (engine) => engine.close()));
    // Without AsyncLocalStorage there is no private stack: hand the engine over explicitly.
    const engine = bind instanceof Engine ? bind : await this.createEngine(bind, options);
    return settle(
      () => fn(engine),
      () => (engine === bind ? undefined : engine.close()),
    );
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
  worker<Env, Ctx extends WorkerContext = WorkerContext>(handler: WorkerOptions<Env, Ctx>): WorkerHandler<Env, Ctx> {
    return {
      fetch: (request, env, ctx) =>
        this.scope(async () => {
          const bind = await handler.bind(env, request);
          const options = handler.options?.(env, request) ?? {};
          return this.bound(
            bind,
            options,
            (engine) => handler.fetch(request, env, ctx, engine),
            (engine) => ctx.waitUntil(engine.close()),
          );
        }),
    };
  }

  /** Inside a scope: bind, run `fn`, unbind, and `close` the engine unless the caller owns it. */
  private async bound<R>(
    bind: Bindable,
    options: Record<string, unknown>,
    fn: (engine: Engine) => Promise<R> | R,
    close: (engine: Engine) => Promise<void> | void,
  ): Promise<R> {
    const engine = await this.setBind(bind, options);
    return settle(
      () => fn(engine),
      () => {
        const stack = this.stack();
        const i = stack.lastIndexOf(engine);
        if (i !== -1) stack.splice(i, 1);
        return engine === bind ? undefined : close(engine);
      },
    );
  }

  /** An Engine for a URL or adapter, not bound. */
  async createEngine(bind: string | Adapter, options: Record<string, unknown> = {}): Promise<Engine> {
    if (typeof bind !== 'string' && !isAdapter(bind)) {
      throw new InvalidRequestError('setBind() takes a database URL, an adapter (e.g. pglite(instance)) or an Engine');
    }
    const adapter = typeof bind === 'string' ? await resolveAdapter(bind, options) : bind;
    return new Engine(adapter, { logger: this.options.logger });
  }

  private wrap: ContextRunner = Object.assign(
    async <R>(target: QueryRunner, fn: () => Promise<R>): Promise<R> => {
      if (!this.context.available) return fn();
      const store = this.store();
      return this.context.run(
        { stack: store?.stack ?? this.globalStack, target, parent: store?.parent, inherited: false },
        fn,
      );
    },
    { current: () => this.store()?.target },
  );

  /**
   * A transaction: committed when `fn` resolves, rolled back when it throws; nested calls are
   * savepoints. Inside, queries run on its connection without passing `tx` (where the runtime has
   * AsyncLocalStorage); `{ bind: tx }` works everywhere. Resolves to `fn`'s value, or undefined
   * when `tx.raiseCommit()` / `tx.raiseRollback()` ended it early. Rejects with
   * `TransactionRolledBackError` when a statement inside failed (even one whose error `fn`
   * handled): PostgreSQL then rolls back instead of committing.
   *
   * While a nested transaction is open, statements sent on the enclosing level (by code running
   * concurrently outside the nested callback) wait until it has ended, so its rollback never
   * undoes them; the same holds for a transaction opened inside `db.acquire()` and statements sent
   * on the connection. Without AsyncLocalStorage, code inside a nested callback must use the
   * nested `tx` it is given: a statement it sends with `{ bind: outerTx }` waits for the nested
   * transaction, that is for itself.
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
    await this.context.ready();
    const { bind, ...txOptions } = options;
    const current = this.runnerFor(bind);
    if (current instanceof Transaction) return current.connection.transaction(fn, txOptions, this.wrap, current);
    if (current instanceof Connection) return current.transaction(fn, txOptions, this.wrap);
    return (current as Engine).transaction(fn, txOptions, this.wrap);
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
    const current = this.runnerFor(bind);
    if (current instanceof Transaction) return current.connection.begin(txOptions, current);
    if (current instanceof Connection) return current.begin(txOptions);
    return (current as Engine).begin(txOptions);
  }

  /** A dedicated connection for `fn` (queries inside use it), released afterwards. */
  async acquire<R>(fn: (conn: Connection) => Promise<R>, options: { bind?: unknown } = {}): Promise<R> {
    await this.context.ready();
    const current = this.runnerFor(options.bind);
    if (current instanceof Connection || current instanceof Transaction)
      return fn(current instanceof Transaction ? current.connection : current);
    return (current as Engine).acquire(fn, this.wrap);
  }

  /**
   * Statements run atomically, their rows in order, each shaped by its own loader: one request on
   * neon-http, one transaction elsewhere (a savepoint inside a transaction).
   *
   * @example
   * const [users, teams] = await db.batch([User.query, Team.query], { readOnly: true });
   */
  async batch<const Q extends readonly Query[]>(
    queries: Q,
    options: BatchOptions & { bind?: unknown } = {},
  ): Promise<{ -readonly [I in keyof Q]: RowsOf<Q[I]> }> {
    type Out = { -readonly [I in keyof Q]: RowsOf<Q[I]> };
    const { bind, ...batchOptions } = options;
    const current = this.runnerFor(bind);
    if (current instanceof Engine) return (await current.batch(queries, batchOptions)) as Out;
    const out = await this.transaction((tx) => runAll(tx, queries), { ...batchOptions, bind: current });
    return (out ?? []) as Out;
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
  /** `{ status: 'UPDATE 9', rowCount, rows }`. */
  status<R>(query: Typed<R>, params?: Params, options?: BindOnly): Promise<StatusResult<R>>;
  status<R = Record<string, unknown>>(query: Query, params?: Params, options?: BindOnly): Promise<StatusResult<R>>;
  status(query: Query, params?: Params, options?: BindOnly): Promise<StatusResult<unknown>> {
    return this.exec('status', query, params, options) as Promise<StatusResult<unknown>>;
  }

  /**
   * Rows through a server-side cursor, `prefetch` at a time (not on neon-http). Opens a
   * transaction (and takes a connection) for the cursor when none is open; leaving the loop early
   * closes the cursor and gives them back.
   *
   * @example
   * for await (const user of db.iterate(User.query, { prefetch: 50 })) if (user.id > 9) break;
   */
  iterate<R>(query: Typed<R>, options?: IterateOptions): AsyncIterable<R>;
  iterate<R = Record<string, unknown>>(query: Query, options?: IterateOptions): AsyncIterable<R>;
  iterate(query: Query, options: IterateOptions = {}): AsyncIterable<unknown> {
    return {
      [Symbol.asyncIterator]: () =>
        iterateCursor(
          this.runnerFor(options.bind),
          toCompiled(query, options.params),
          loaderOf(query) ?? null,
          options.prefetch,
        ),
    };
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

  /** The SQL and parameters a statement compiles to. */
  compile(query: object): { sql: string; params: unknown[] } {
    const c = toCompiled(query);
    return { sql: c.sql, params: c.params };
  }

  /** @internal `statement.gino` asks its executor for this. */
  extension<R, S>(statement: object, loader: unknown): GinoExtension<R, S> {
    return new StatementExtension<R, S>(this, statement, loader);
  }

  // ---- DDL ----------------------------------------------------------------------------------

  /** @internal `Model.gino.create()`. */
  async createTable(table: Table, options: { checkfirst?: boolean; bind?: unknown } = {}): Promise<void> {
    await this.createTables([table], options);
  }

  /** @internal `Model.gino.drop()`. */
  async dropTable(table: Table, options: { checkfirst?: boolean; bind?: unknown } = {}): Promise<void> {
    await this.dropTables([table], options);
  }

  private async existing(
    runner: QueryRunner,
    tables: readonly Table[],
  ): Promise<{ tables: Set<Table>; types: Set<string> }> {
    const names = tables.map((t) => quoteQualified(t.schema, t.name));
    const enumNames = tables.flatMap((t) => enumsOf(t).map((e) => quoteQualified(t.schema, e.name)));
    const rows = await runner.all<{ kind: string; name: string }>(
      `SELECT 't' AS kind, n AS name FROM unnest($1::text[]) AS n WHERE to_regclass(n) IS NOT NULL
       UNION ALL SELECT 'e', n FROM unnest($2::text[]) AS n WHERE to_regtype(n) IS NOT NULL`,
      [names, enumNames],
    );
    const found = new Set(rows.filter((r) => r.kind === 't').map((r) => r.name));
    return {
      tables: new Set(tables.filter((_t, i) => found.has(names[i] as string))),
      types: new Set(rows.filter((r) => r.kind === 'e').map((r) => r.name)),
    };
  }

  private async createTables(
    tables: readonly Table[],
    options: { checkfirst?: boolean; bind?: unknown },
  ): Promise<void> {
    const runner = this.runnerFor(options.bind);
    const ordered = sortByDependency(tables);
    const checkfirst = options.checkfirst ?? true;
    const have = checkfirst
      ? await this.existing(runner, ordered)
      : { tables: new Set<Table>(), types: new Set<string>() };
    const groups: DdlGroup[] = [];
    const madeTypes = new Set<string>();
    for (const table of ordered) {
      if (have.tables.has(table)) continue;
      for (const e of enumsOf(table)) {
        const q = quoteQualified(table.schema, e.name);
        if (have.types.has(q) || madeTypes.has(q)) continue;
        madeTypes.add(q);
        groups.push({ statements: [createEnumSql(e, table.schema)], locks: ENUM_LOCKS });
      }
    }
    for (const table of ordered) {
      if (have.tables.has(table)) continue;
      groups.push({
        statements: [createTableSql(table), ...createIndexSqls(table), ...commentSqls(table)],
        locks: tableLocks(table),
      });
    }
    await runChunks(runner, chunked(groups));
  }

  private async dropTables(tables: readonly Table[], options: { checkfirst?: boolean; bind?: unknown }): Promise<void> {
    const runner = this.runnerFor(options.bind);
    const ordered = sortByDependency(tables).reverse();
    const checkfirst = options.checkfirst ?? true;
    const have = checkfirst ? await this.existing(runner, ordered) : undefined;
    const groups: DdlGroup[] = [];
    const dropped = new Set<string>();
    for (const table of ordered) {
      if (have && !have.tables.has(table)) continue;
      groups.push({ statements: [dropTableSql(table)], locks: tableLocks(table) });
    }
    for (const table of ordered) {
      for (const e of enumsOf(table)) {
        const q = quoteQualified(table.schema, e.name);
        if (dropped.has(q) || (have && !have.types.has(q))) continue;
        // Keep a type another (not dropped) table still uses.
        const stillUsed = this.tables.some(
          (t) => !tables.includes(t) && enumsOf(t).some((x) => x.name === e.name && t.schema === table.schema),
        );
        if (stillUsed) continue;
        dropped.add(q);
        groups.push({ statements: [dropEnumSql(e, table.schema)], locks: ENUM_LOCKS });
      }
    }
    await runChunks(runner, chunked(groups));
  }
}

/** `fn()`, then `cleanup()` whatever happened; `fn`'s error wins over a failing cleanup. */
async function settle<R>(fn: () => Promise<R> | R, cleanup: () => Promise<void> | void): Promise<R> {
  let result: R;
  try {
    result = await fn();
  } catch (error) {
    try {
      await cleanup();
    } catch {
      // the caller's error says more than a failed close
    }
    throw error;
  }
  await cleanup();
  return result;
}

/** Tables ordered so each comes after the tables its foreign keys reference. */
function sortByDependency(tables: readonly Table[]): Table[] {
  const out: Table[] = [];
  const state = new Map<Table, 'visiting' | 'done'>();
  const byName = (name: string, schema: string | undefined) =>
    tables.find((t) => t.name === name && (schema === undefined || t.schema === schema));
  const visit = (t: Table): void => {
    const s = state.get(t);
    if (s === 'done' || s === 'visiting') return;
    state.set(t, 'visiting');
    for (const fk of t.foreignKeys) {
      const target = byName(fk.target.table, fk.target.schema ?? t.schema);
      if (target && target !== t) visit(target);
    }
    state.set(t, 'done');
    out.push(t);
  };
  for (const t of tables) visit(t);
  return out;
}

export { GinoError };
