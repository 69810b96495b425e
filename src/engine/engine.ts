/**
 * Engine, Connection and Transaction: the things a query runs on. An Engine wraps one adapter
 * (a pool, an HTTP endpoint, an embedded database); a Connection is one held session; a
 * Transaction is a level of BEGIN/SAVEPOINT on a Connection.
 */
import { type CompiledQuery, compileRaw } from '../compiler/compiler.js';
import {
  DatabaseError,
  GinoError,
  InvalidRequestError,
  QueryTimeoutError,
  TransactionRolledBackError,
  toGinoError,
  UnsupportedError,
} from '../errors.js';
import type { GinoExtension, StatusResult } from '../sql/executor.js';
import type { Adapter, BatchOptions, Capabilities, DriverQuery, DriverResult, Session } from './adapter.js';
import { Turnstile } from './adapter-kit.js';
import { type Capability, timeoutVia, wayOut } from './capabilities.js';
import {
  answer,
  execute,
  executeBatch,
  type Logger,
  loaderOf,
  type Mode,
  type Query,
  shape,
  type Target,
  toCompiled,
} from './execute.js';
import { isValueSets, runMany } from './executemany.js';
import { Lane } from './lane.js';
import { checkSessionFree } from './pooler.js';
import { isPlainRead, readAgainIfLost, retriesOf, retrying } from './retry.js';
import type { SpanLike, TraceSpan, Tracing } from './tracing.js';

/** What an Engine is made with. */
export interface EngineOptions {
  logger?: Logger | undefined;
  /** OpenTelemetry spans per statement, batch and transaction (`new Gino({ tracer })`). */
  tracing?: Tracing | undefined;
  /** See `Engine.contextRunner`. */
  contextRunner?: ContextRunner | undefined;
  /** See `Engine.withLocals`. */
  locals?: readonly DriverQuery[] | undefined;
}

const NO_LOCALS: readonly DriverQuery[] = Object.freeze([]);

export interface TransactionOptions extends BatchOptions {
  /**
   * Run the whole transaction again, up to this many times, when PostgreSQL aborts it with a
   * serialization failure (40001) or a deadlock (40P01), waiting a little longer each time (see
   * `backoffMs`). The callback runs again from the start: keep side effects other than the
   * database's out of it. Only on the outermost transaction.
   */
  retries?: number | undefined;
  /**
   * `engine.transaction(fn)` (and `db.transaction(fn)`) inside a transaction or `acquire()` of the
   * same engine nests in it, as GINO's `reuse=True`: a savepoint, or a transaction on the held
   * connection. `reuse: false` opens a transaction on a connection of its own instead.
   */
  reuse?: boolean;
}

/** A statement whose rows are `R` (anything with `.gino`). */
export interface Typed<R> {
  readonly gino: GinoExtension<R, unknown>;
}

/** A statement whose scalar is `S`. */
export interface TypedScalar<S> {
  readonly gino: GinoExtension<unknown, S>;
}

/**
 * Wraps calls that must run inside a context (set by Gino for implicit binding). `current` tells
 * the level the caller's context runs on, so that a level called from inside a deeper one of its
 * own (which it waits for) runs the statement there instead of waiting for itself.
 */
export type ContextRunner = (<R>(target: QueryRunner, fn: () => Promise<R>) => Promise<R>) & {
  readonly current?: () => QueryRunner | undefined;
};

const direct: ContextRunner = (_t, fn) => fn();

/**
 * `level`, or `current` (the level of the caller's context) when `level` is the connection or a
 * transaction level that `current` runs inside: a statement sent on `level` itself would wait for
 * `current` to end, and PostgreSQL runs it in `current` anyway.
 */
export function levelWithin(level: QueryRunner, current: QueryRunner | undefined): QueryRunner {
  if (!(current instanceof Transaction) || current.done || level === current) return level;
  if (level === current.connection) return current;
  if (!(level instanceof Transaction) || level.connection !== current.connection) return level;
  for (let t = current.parent; t; t = t.parent) if (t === level) return current;
  return level;
}

/** Running methods shared by Engine, Connection and Transaction. */
export abstract class QueryRunner implements Target {
  abstract readonly engine: Engine;
  abstract send(q: DriverQuery, compiled: CompiledQuery): Promise<DriverResult>;

  get logger(): Logger | undefined {
    return this.engine.options.logger;
  }

  get tracing(): Tracing | undefined {
    return this.engine.options.tracing;
  }

  /** The span statements sent on this level belong to: its transaction's, or none. */
  traceParent(): SpanLike | undefined {
    return undefined;
  }

  /** Whether this level is a transaction (statements sent on it run in that transaction). */
  get inTransaction(): boolean {
    return false;
  }

  /** Whether statements can still run on this level (a connection not released, a transaction not ended). */
  get isOpen(): boolean {
    return true;
  }

  /** The connection this level holds (a connection itself, a transaction's), or none (an engine). */
  held(): Connection | undefined {
    return undefined;
  }

  /** The level a statement called on this one runs on (see `levelWithin`). */
  protected within(): QueryRunner {
    return this;
  }

  /** The level a statement called on this one runs on now: this one, or the caller's inside it. */
  here(): QueryRunner {
    return this.within();
  }

  /**
   * Run a query and shape the answer (`mode`), with an optional loader and timeout. A statement
   * given sets of values (`[row, row]`) runs once per set, atomically, and returns nothing (GINO's
   * executemany).
   */
  async run(
    query: Query,
    params: readonly unknown[] | undefined,
    mode: Mode,
    loader?: unknown,
    timeout?: number,
  ): Promise<unknown> {
    const level = this.within();
    if (level !== this) return level.run(query, params, mode, loader, timeout);
    if (isValueSets(query, params)) return runMany(this, query, params, mode, timeout);
    const compiled = toCompiled(query, params, loader);
    if (this.engine.capabilities.sessionState === false) checkSessionFree(compiled.sql, this.engine.adapter.name);
    if (timeout !== undefined) checkTimeout(this.engine, timeout);
    const send = () => (timeout === undefined ? execute(this, compiled) : this.runWithTimeout(compiled, timeout));
    // A plain read on an engine (any pooled connection) is sent again once after a lost connection.
    const result = this.held() === undefined && isPlainRead(compiled) ? await readAgainIfLost(send) : await send();
    return answer(mode, result, compiled, loader === undefined ? loaderOf(query) : loader);
  }

  /**
   * The SQL and parameters a statement compiles to (GINO's `engine.compile()`), as `db.compile()`.
   *
   * @example
   * const { sql, params } = engine.compile(User.query.where(User.id.eq(3)));
   */
  compile(query: object): { sql: string; params: unknown[] } {
    const c = toCompiled(query);
    return { sql: c.sql, params: c.params };
  }

  /** Every row: model instances for model queries, plain objects otherwise. */
  all<R>(query: Typed<R>, params?: readonly unknown[]): Promise<R[]>;
  all<R = Record<string, unknown>>(query: Query, params?: readonly unknown[]): Promise<R[]>;
  all(query: Query, params?: readonly unknown[]): Promise<unknown[]> {
    return this.run(query, params, 'all') as Promise<unknown[]>;
  }
  first<R>(query: Typed<R>, params?: readonly unknown[]): Promise<R | null>;
  first<R = Record<string, unknown>>(query: Query, params?: readonly unknown[]): Promise<R | null>;
  first(query: Query, params?: readonly unknown[]): Promise<unknown> {
    return this.run(query, params, 'first');
  }
  one<R>(query: Typed<R>, params?: readonly unknown[]): Promise<R>;
  one<R = Record<string, unknown>>(query: Query, params?: readonly unknown[]): Promise<R>;
  one(query: Query, params?: readonly unknown[]): Promise<unknown> {
    return this.run(query, params, 'one');
  }
  oneOrNone<R>(query: Typed<R>, params?: readonly unknown[]): Promise<R | null>;
  oneOrNone<R = Record<string, unknown>>(query: Query, params?: readonly unknown[]): Promise<R | null>;
  oneOrNone(query: Query, params?: readonly unknown[]): Promise<unknown> {
    return this.run(query, params, 'oneOrNone');
  }
  scalar<S>(query: TypedScalar<S>, params?: readonly unknown[]): Promise<S | null>;
  scalar<S = unknown>(query: Query, params?: readonly unknown[]): Promise<S | null>;
  scalar(query: Query, params?: readonly unknown[]): Promise<unknown> {
    return this.run(query, params, 'scalar');
  }
  status<R>(query: Typed<R>, params?: readonly unknown[]): Promise<StatusResult<R>>;
  status<R = Record<string, unknown>>(query: Query, params?: readonly unknown[]): Promise<StatusResult<R>>;
  status(query: Query, params?: readonly unknown[]): Promise<StatusResult<unknown>> {
    return this.run(query, params, 'status') as Promise<StatusResult<unknown>>;
  }

  /** A statement with a server-side time limit; `QueryTimeoutError` when it is cancelled. */
  /**
   * A transaction on this level around `fn`: on an engine, a new one on a fresh connection; on a
   * connection, a transaction on it; on a transaction, a savepoint in it.
   */
  abstract transaction<R>(
    fn: (tx: Transaction) => Promise<R>,
    options?: TransactionOptions,
    wrap?: ContextRunner,
  ): Promise<R | undefined>;

  /** A transaction on this level, ended by hand (a savepoint when this level is a transaction). */
  abstract begin(options?: TransactionOptions): Promise<Transaction>;

  /** A dedicated connection for `fn`: a fresh one from an engine, else the one this level runs on. */
  abstract acquire<R>(fn: (conn: Connection) => Promise<R>, wrap?: ContextRunner): Promise<R>;

  /** Statements run atomically, their rows in order: in a transaction of this level (a savepoint in one). */
  async batch(queries: readonly Query[], options: TransactionOptions = {}, wrap?: ContextRunner): Promise<unknown[][]> {
    const compiled = queries.map((q) => toCompiled(q));
    if (this.engine.capabilities.sessionState === false)
      for (const c of compiled) checkSessionFree(c.sql, this.engine.adapter.name);
    return (await this.transaction((tx) => runAll(tx.asBatch(compiled), queries, compiled), options, wrap)) ?? [];
  }

  protected abstract runWithTimeout(compiled: CompiledQuery, ms: number): Promise<DriverResult>;
}

/** A time limit checked before any I/O: a positive whole number, on an engine that can cancel. */
export function checkTimeout(engine: Engine, ms: number): void {
  timeoutSql(ms);
  requireCapability(engine, 'timeouts', 'cancel a statement after a time limit');
}

export function timeoutSql(ms: number): string {
  if (!Number.isInteger(ms) || ms <= 0)
    throw new InvalidRequestError(`timeout(ms) takes a positive whole number of milliseconds, got ${ms}`);
  return `SET LOCAL statement_timeout = ${ms}`;
}

/**
 * `SET LOCAL statement_timeout` on `target`; with `remember`, first reads the limit it replaces
 * and returns it, for `restoreTimeout` (a level that stays open after the statement).
 */
export async function setLocalTimeout(target: Target, ms: number, remember: boolean): Promise<string | undefined> {
  const sql = timeoutSql(ms);
  let previous: string | undefined;
  if (remember) {
    const before = await execute(target, rawCompiled("SELECT current_setting('statement_timeout')"));
    previous = String(before.rows[0]?.[0] ?? '0');
  }
  await execute(target, rawCompiled(sql));
  return previous;
}

/** Put back the limit `setLocalTimeout` replaced, for the rest of the transaction. */
export async function restoreTimeout(target: Target, previous: string): Promise<void> {
  await execute(target, { ...rawCompiled("SELECT set_config('statement_timeout', $1, true)"), params: [previous] });
}

export function timeoutError(error: unknown, ms: number): unknown {
  const e = toGinoError(error);
  if ((e as { code?: string }).code === '57014') {
    return new QueryTimeoutError(
      `the statement ran longer than its timeout of ${ms} ms and was cancelled on the server`,
      {
        cause: e,
      },
    );
  }
  return e;
}

function beginSql(options: TransactionOptions = {}): string {
  let sql = 'BEGIN';
  if (options.isolation) sql += ` ISOLATION LEVEL ${options.isolation.toUpperCase()}`;
  if (options.readOnly !== undefined) sql += options.readOnly ? ' READ ONLY' : ' READ WRITE';
  if (options.deferrable !== undefined) sql += options.deferrable ? ' DEFERRABLE' : ' NOT DEFERRABLE';
  return sql;
}

const ISOLATIONS = new Set(['read uncommitted', 'read committed', 'repeatable read', 'serializable']);

function checkOptions(options: TransactionOptions, nested = false): void {
  if (options.isolation !== undefined && !ISOLATIONS.has(options.isolation)) {
    throw new InvalidRequestError(
      `unknown isolation level '${options.isolation}'; use one of ${[...ISOLATIONS].join(', ')}`,
    );
  }
  retriesOf(options.retries);
  if (nested && options.retries !== undefined) {
    throw new InvalidRequestError(
      'retries run a whole transaction again; a nested transaction is a SAVEPOINT, and after a serialization failure or a deadlock ' +
        'the enclosing transaction is aborted too: give retries to the outermost db.transaction()',
    );
  }
  if (
    nested &&
    (options.isolation !== undefined || options.readOnly !== undefined || options.deferrable !== undefined)
  ) {
    throw new InvalidRequestError(
      "a nested transaction is a SAVEPOINT and keeps the enclosing transaction's isolation, readOnly and deferrable; " +
        'give those options to the outermost db.transaction() (or db.batch()) instead',
    );
  }
}

/** `retries` go with a callback to run again: a transaction begun by hand has none. */
function noRetries(options: TransactionOptions): void {
  if (options.retries !== undefined) {
    throw new InvalidRequestError(
      'retries run a transaction callback again; begin() has no callback: use db.transaction(fn, { retries })',
    );
  }
}

/**
 * Capability check before any I/O. The refusal names what the adapter lacks and the way out,
 * from capabilities only (see `wayOut`).
 */
export function requireCapability(engine: Engine, capability: Capability, what: string): void {
  const has = engine.capabilities;
  if (has[capability]) return;
  throw new UnsupportedError(
    `the ${engine.adapter.name} adapter cannot ${what} (no ${capability}); ${wayOut(capability, has)}`,
  );
}

/**
 * The bound database: an adapter with a logger. `db.setBind()` returns one; `close()` ends it.
 *
 * @example
 * const engine = await db.setBind('pglite://memory');
 * await engine.all('SELECT 1 AS one'); // [{ one: 1 }]
 * await db.popBind().close();
 */
export class Engine extends QueryRunner {
  readonly engine: Engine = this;
  private closed = false;
  /**
   * Runs the callbacks of `transaction(fn)` and `acquire(fn)` on this engine (and on its
   * connections and transactions) in the async context of the Gino that made it, so that the
   * statements of `db.*` and models inside use that transaction or connection, as in GINO.
   */
  readonly contextRunner: ContextRunner;
  constructor(
    readonly adapter: Adapter,
    readonly options: EngineOptions = {},
    /** The engine this one is a view of (`withLocals`): it owns the adapter. */
    private readonly base?: Engine,
  ) {
    super();
    this.contextRunner = options.contextRunner ?? direct;
  }

  get capabilities(): Capabilities {
    return this.adapter.capabilities;
  }

  /**
   * The engine that writes go to: this one, or for an engine with read replicas a view of it
   * that sends everything to the primary (`{ bind: db.bind.primary }` forces one statement there).
   */
  get primary(): Engine {
    return this;
  }

  /** Whether statements on `engine` (a connection's or transaction's) are this engine's own. */
  holds(engine: Engine): boolean {
    return engine === this;
  }

  /** Statements every transaction of this engine starts with (see `withLocals`). */
  get locals(): readonly DriverQuery[] {
    return this.options.locals ?? NO_LOCALS;
  }

  /**
   * The same database, with `locals` (statements that set something until the end of the
   * transaction: `set_config(..., true)`, `SET LOCAL`) run right after every BEGIN of the view,
   * and every statement sent outside a transaction run in a transaction of its own that starts
   * with them (on an adapter that batches natively, one batch: still one request). Closing the
   * view leaves this engine open. `db.withClaims()` is built on it.
   */
  withLocals(locals: readonly DriverQuery[]): Engine {
    return new Engine(this.adapter, { ...this.options, locals: [...this.locals, ...locals] }, this.base ?? this);
  }

  send(q: DriverQuery): Promise<DriverResult> {
    if (this.isClosed) return Promise.reject(this.closedError());
    const locals = this.options.locals;
    if (!locals?.length) return this.adapter.query(q);
    if (this.capabilities.nativeBatch && this.adapter.batch) {
      return this.adapter.batch([...locals, q], {}).then((results) => results[results.length - 1] as DriverResult);
    }
    return this.transaction((tx) => tx.send(q)) as Promise<DriverResult>;
  }

  /** A native batch (see `executeBatch`): refused once the engine is closed, like `send`. */
  sendBatch(queries: readonly DriverQuery[], options: BatchOptions): Promise<DriverResult[]> {
    if (this.isClosed) return Promise.reject(this.closedError());
    const batch = (all: readonly DriverQuery[]) =>
      (this.adapter.batch as NonNullable<Adapter['batch']>).call(this.adapter, all, options);
    const locals = this.options.locals;
    if (!locals?.length) return batch(queries);
    return batch([...locals, ...queries]).then((results) => results.slice(locals.length));
  }

  private closedError(): GinoError {
    return new GinoError('this engine is closed; bind a new one with db.setBind()');
  }

  /**
   * A dedicated connection for `fn`, released afterwards whatever happens. Statements of the Gino
   * that made this engine run on it inside `fn` (where the runtime has AsyncLocalStorage).
   */
  async acquire<R>(fn: (conn: Connection) => Promise<R>, wrap: ContextRunner = this.contextRunner): Promise<R> {
    requireCapability(this, 'sessions', 'hold a connection');
    const conn = await this.connect();
    conn.context = wrap.current;
    let failure: unknown;
    try {
      return await wrap(conn, () => fn(conn));
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      await conn.release(isBroken(failure));
    }
  }

  /** A held connection; call `release()` when done (prefer `acquire(fn)`). */
  async connect(): Promise<Connection> {
    requireCapability(this, 'sessions', 'hold a connection');
    if (this.isClosed) throw new GinoError('this engine is closed; bind a new one with db.setBind()');
    const connect = this.adapter.connect as () => Promise<Session>;
    let session: Session;
    try {
      session = await connect.call(this.adapter);
    } catch (error) {
      throw toGinoError(error);
    }
    return new Connection(this, session);
  }

  /**
   * A transaction: committed when `fn` resolves, rolled back when it throws. Inside a transaction
   * or `acquire()` of this engine it nests there (a savepoint, or a transaction on the held
   * connection), unless `reuse: false`; else it takes a fresh connection. Statements of the Gino
   * that made this engine run in it inside `fn` (where the runtime has AsyncLocalStorage).
   */
  async transaction<R>(
    fn: (tx: Transaction) => Promise<R>,
    options: TransactionOptions = {},
    wrap: ContextRunner = this.contextRunner,
  ): Promise<R | undefined> {
    const { reuse = true, ...txOptions } = options;
    const current = reuse ? wrap.current?.() : undefined;
    if (current && current !== this && current.engine === this && current.isOpen) {
      return current.transaction(fn, txOptions, wrap);
    }
    return this.freshTransaction(fn, txOptions, wrap);
  }

  /** A transaction on a connection of its own. */
  private async freshTransaction<R>(
    fn: (tx: Transaction) => Promise<R>,
    options: TransactionOptions,
    wrap: ContextRunner,
  ): Promise<R | undefined> {
    requireCapability(this, 'transactions', 'run an interactive transaction');
    checkOptions(options);
    const { retries, ...once } = options;
    return retrying(retriesOf(retries), async () => {
      const conn = await this.connect();
      let failure: unknown;
      try {
        return await conn.transaction(fn, once, wrap);
      } catch (error) {
        failure = error;
        throw error;
      } finally {
        await conn.release(isBroken(failure));
      }
    });
  }

  /**
   * A transaction ended by hand: `commit()` or `rollback()` ends it and gives its connection back.
   * Queries reach it with `{ bind: tx }` or `tx.all(...)`; prefer `transaction(fn)`, which cannot leak.
   */
  async begin(options: TransactionOptions = {}): Promise<Transaction> {
    requireCapability(this, 'transactions', 'run an interactive transaction');
    checkOptions(options);
    noRetries(options);
    const conn = await this.connect();
    try {
      return await conn.begin(options, undefined, (error) => conn.release(error));
    } catch (error) {
      await conn.release(isBroken(error));
      throw error;
    }
  }

  /** Statements run atomically, their rows in order: one request where the adapter batches natively. */
  override async batch(queries: readonly Query[], options: TransactionOptions = {}): Promise<unknown[][]> {
    checkOptions(options);
    const compiled = queries.map((q) => toCompiled(q));
    if (this.capabilities.sessionState === false) for (const c of compiled) checkSessionFree(c.sql, this.adapter.name);
    if (this.capabilities.nativeBatch && this.adapter.batch) {
      const { retries, ...once } = options;
      // One request, one transaction on the server: nothing of a failed attempt was committed.
      const results = await retrying(retriesOf(retries), () => executeBatch(this, compiled, once));
      return results.map((r, i) => shape(r, compiled[i] as CompiledQuery, loaderOf(queries[i] as Query)));
    }
    requireCapability(this, 'transactions', 'run a batch');
    const { reuse: _reuse, ...batchOptions } = options;
    const out = await this.freshTransaction(
      (tx) => runAll(tx.asBatch(compiled), queries, compiled),
      batchOptions,
      this.contextRunner,
    );
    return out ?? [];
  }

  protected async runWithTimeout(compiled: CompiledQuery, ms: number): Promise<DriverResult> {
    const setTimeoutSql = timeoutSql(ms);
    if (timeoutVia(this.capabilities) === 'batch' && this.adapter.batch) {
      try {
        const results = await executeBatch(this, [rawCompiled(setTimeoutSql), compiled], {});
        return results[1] as DriverResult;
      } catch (error) {
        throw timeoutError(error, ms);
      }
    }
    const result = await this.freshTransaction((tx) => tx.runTimed(compiled, ms, 'own'), {}, direct);
    return result as DriverResult;
  }

  /** Close every connection of the adapter (a view only closes itself). Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.base) await this.adapter.close();
  }

  get isClosed(): boolean {
    return this.closed || (this.base?.isClosed ?? false);
  }
}

/** Run compiled statements one after another on `runner`, each shaped by its query's loader. */
export async function runAll(
  runner: QueryRunner,
  queries: readonly Query[],
  compiled: readonly CompiledQuery[] = queries.map((q) => toCompiled(q)),
): Promise<unknown[][]> {
  const rows: unknown[][] = [];
  for (let i = 0; i < compiled.length; i++) {
    const c = compiled[i] as CompiledQuery;
    rows.push(shape(await execute(runner, c), c, loaderOf(queries[i] as Query)));
  }
  return rows;
}

/** The error itself when it means the connection is unusable (so the pool drops it), else undefined. */
export function isBroken(error: unknown): unknown {
  return error instanceof GinoError && error.name === 'ConnectionError' ? error : undefined;
}

/** A statement that failed inside a transaction: the first one since the transaction was last sound. */
interface Failure {
  readonly sql: string;
  readonly error: GinoError;
}

/** What ending a level with a failed statement inside it rejects with. */
function rolledBack(
  level: 'transaction' | 'savepoint',
  failed: Failure | undefined,
  refusal?: unknown,
): TransactionRolledBackError {
  const because = failed
    ? `an earlier statement failed: ${failed.sql} (${failed.error.message})`
    : 'an earlier statement in it failed';
  const what =
    level === 'transaction'
      ? 'the transaction was rolled back, not committed: PostgreSQL answered COMMIT with ROLLBACK because'
      : 'the savepoint was rolled back, not released: PostgreSQL refused RELEASE SAVEPOINT because';
  return new TransactionRolledBackError(
    `${what} ${because}. A statement that may fail and be handled belongs in a nested db.transaction() ` +
      '(a savepoint), so that only it is undone and the transaction goes on',
    failed?.sql,
    { cause: failed?.error ?? refusal },
  );
}

/** A statement sent on a connection whose copy waits for its rows: it would wait for itself. */
function copyBusyError(sql: string): InvalidRequestError {
  const shown = sql.length > 60 ? `${sql.slice(0, 57)}...` : sql;
  return new InvalidRequestError(
    `'${shown}' was sent on the connection of a db.copyInto() that is reading its rows: the copy holds the ` +
      "connection until its rows end, so the rows' own code cannot query through it (in the same transaction). " +
      'Read what the rows need before the copy, or query outside the transaction',
  );
}

/**
 * One held connection. Statements on it run one at a time in call order, so concurrent code
 * sharing a connection never collides ("another operation is in progress"). While a transaction
 * opened with `transaction(fn)` is open on it, statements sent on the connection itself wait for
 * that transaction to end (they would otherwise run inside it and be undone with it); a
 * transaction begun by hand (`begin()`) is where they go until it ends.
 */
export class Connection extends QueryRunner {
  private queue: Promise<unknown> = Promise.resolve();
  private released = false;
  /** A copy on this connection is waiting for its rows (see `pullingRows`). */
  private pulling = 0;
  /** Set when the session's state is unknown (a failed ROLLBACK): it is closed, not reused. */
  private broken: unknown;
  /** The innermost open transaction on this connection. */
  current: Transaction | undefined;
  private savepoints = 0;
  /** Top-level transactions opened with `transaction(fn)` on this connection take turns. */
  readonly turnstile = new Turnstile();
  /** Statements sent on the connection itself, in call order. */
  readonly lane = new Lane();
  /**
   * The first statement that failed since the transaction was last known sound: PostgreSQL keeps
   * the transaction aborted from then on, until it is rolled back (to a savepoint or entirely).
   */
  private failure: Failure | undefined;
  /** Where BEGIN/SAVEPOINT/RELEASE/COMMIT/ROLLBACK go: straight to the session, logged. */
  readonly control: Target;
  /** The level of the caller's context, from the Gino that holds this connection (see `levelWithin`). */
  context: (() => QueryRunner | undefined) | undefined;

  constructor(
    readonly engine: Engine,
    private readonly session: Session,
  ) {
    super();
    this.control = {
      logger: engine.options.logger,
      tracing: engine.options.tracing,
      // BEGIN, SAVEPOINT, COMMIT and ROLLBACK belong to the level they open or end.
      traceParent: () => this.current?.span?.span,
      send: (q) => this.sendNow(q, false),
    };
  }

  protected override within(): QueryRunner {
    return this.context ? levelWithin(this, this.context()) : this;
  }

  /** Statements sent on the connection run in the transaction begun by hand on it, if any. */
  override traceParent(): SpanLike | undefined {
    return this.current?.span?.span;
  }

  send(q: DriverQuery): Promise<DriverResult> {
    if (this.released) return Promise.reject(releasedError());
    if (this.pulling > 0) return Promise.reject(copyBusyError(q.sql));
    if (this.engine.locals.length > 0) return this.sendWithLocals(q);
    return this.lane.run(
      () => this.blockerInside(undefined),
      () => this.sendNow(q, true),
    );
  }

  /** On an engine with locals: in the transaction begun by hand, else in a transaction of its own. */
  private async sendWithLocals(q: DriverQuery): Promise<DriverResult> {
    const level = await this.settled();
    if (level) return level.send(q);
    return (await this.transaction((tx) => tx.send(q))) as DriverResult;
  }

  /**
   * Queue a statement on the session now. `track`: whether its outcome tells the transaction's
   * state (a failure aborts it, a success shows it is sound); level statements keep that themselves.
   */
  sendNow(q: DriverQuery, track: boolean): Promise<DriverResult> {
    return this.enqueue(() => this.session.query(q), q.sql, track);
  }

  /**
   * Queue a `COPY ... FROM STDIN` on the session now, with `data` as its lines (see
   * `Session.copyIn`); resolves to the rows copied.
   */
  copyNow(sql: string, data: AsyncIterable<string>): Promise<number> {
    const copyIn = this.session.copyIn;
    if (!copyIn) {
      return Promise.reject(new UnsupportedError(`the ${this.engine.adapter.name} adapter's sessions cannot COPY`));
    }
    return this.enqueue(() => copyIn.call(this.session, sql, data), sql, true);
  }

  /** A COPY sent on the connection itself (a fresh one, outside any transaction): see `copyNow`. */
  sendCopy(sql: string, data: AsyncIterable<string>): Promise<number> {
    if (this.released) return Promise.reject(releasedError());
    if (this.pulling > 0) return Promise.reject(copyBusyError(sql));
    return this.lane.run(
      () => this.blockerInside(undefined),
      () => this.copyNow(sql, data),
    );
  }

  /**
   * Mark (`+1`) or unmark (`-1`) the connection as waiting for a copy's rows: their own code runs
   * then, and a statement it sends here would queue behind (or inside) the COPY that waits for it.
   * Such a statement is refused at once instead (see `enqueue`).
   */
  pullingRows(delta: 1 | -1): void {
    this.pulling += delta;
  }

  /** Whether a copy on this connection is reading its rows now (see `pullingRows`). */
  get readingCopyRows(): boolean {
    return this.pulling > 0;
  }

  private enqueue<T>(run: () => Promise<T>, sql: string, track: boolean): Promise<T> {
    if (this.released) return Promise.reject(releasedError());
    if (this.pulling > 0) return Promise.reject(copyBusyError(sql));
    const next = this.queue.then(run, run);
    // The queue's tail notes the outcome; registered first, it runs before the sender goes on.
    this.queue = track
      ? next.then(
          () => {
            this.failure = undefined;
          },
          (error: unknown) => {
            const e = toGinoError(error, sql);
            if (this.current && e instanceof DatabaseError) this.failure ??= { sql, error: e };
          },
        )
      : next.catch(() => undefined);
    return next;
  }

  /** The failed statement that keeps the transaction aborted, if any; `clear` forgets it. */
  failedStatement(clear = false): Failure | undefined {
    const failed = this.failure;
    if (clear) this.failure = undefined;
    return failed;
  }

  /**
   * What a statement sent on `level` (the connection itself when undefined) waits for: the end of
   * the outermost transaction opened with a callback inside it, or undefined when it may go.
   */
  blockerInside(level: Transaction | undefined): Promise<void> | undefined {
    let found: Transaction | undefined;
    for (let t = this.current; t && t !== level; t = t.parent) if (t.exclusive) found = t;
    return found?.ended;
  }

  /** Where a statement sent on the connection runs now: a transaction begun by hand, or none. */
  settled(): Promise<Transaction | undefined> {
    return this.lane.run(
      () => this.blockerInside(undefined),
      async () => this.current,
    );
  }

  /** A fresh savepoint name on this connection. */
  savepointName(prefix = 'gino_sp'): string {
    return `${prefix}_${++this.savepoints}`;
  }

  /**
   * Open a level as a statement sent on `from` (the connection when undefined): in its turn, BEGIN,
   * or a SAVEPOINT inside the level `from`'s statements run in. It is the connection's current
   * level from the moment its statement is queued, so nothing sent after lands outside it.
   * `exclusive`: statements sent on the levels outside it wait until it ends.
   */
  open(
    from: Transaction | undefined,
    options: TransactionOptions,
    how: { exclusive: boolean; prefix?: string; onEnd?: ((error?: unknown) => Promise<void>) | undefined },
  ): Promise<Transaction> {
    if (this.pulling > 0) return Promise.reject(copyBusyError(from ? 'SAVEPOINT' : 'BEGIN'));
    const lane = from ? from.lane : this.lane;
    return lane.run(
      () => (from?.done ? undefined : this.blockerInside(from)),
      async () => {
        if (from?.done) throw new GinoError('the enclosing transaction has ended; a nested one cannot start in it');
        const parent = this.current;
        if (parent) requireCapability(this.engine, 'savepoints', 'nest a transaction (savepoint)');
        else requireCapability(this.engine, 'transactions', 'run an interactive transaction');
        checkOptions(options, parent !== undefined);
        const name = parent ? this.savepointName(how.prefix) : undefined;
        const tx = new Transaction(this, parent, name, how.exclusive, how.onEnd);
        tx.span = this.engine.tracing?.transaction(parent !== undefined, parent?.span?.span);
        this.current = tx;
        try {
          await execute(this.control, rawCompiled(name ? `SAVEPOINT ${name}` : beginSql(options)));
        } catch (error) {
          await tx.abandon();
          throw error;
        }
        if (!parent) {
          this.failure = undefined;
          await this.runLocals(tx);
        }
        return tx;
      },
    );
  }

  /** The engine's locals, right after BEGIN; when one fails, the transaction is rolled back. */
  private async runLocals(tx: Transaction): Promise<void> {
    try {
      for (const q of this.engine.locals) await execute(this.control, { ...rawCompiled(q.sql), params: [...q.params] });
    } catch (error) {
      await this.rollbackQuietly(tx);
      throw error;
    }
  }

  /**
   * Open a transaction level now — `BEGIN`, or a `SAVEPOINT` under `from` (or under a level begun
   * by hand on this connection) — and end it with `commit()` / `rollback()`. Until it ends, the
   * statements sent on the level it was opened from run in it. `onEnd` runs once it has ended (it
   * releases a connection taken for it).
   */
  async begin(
    options: TransactionOptions = {},
    from?: Transaction,
    onEnd?: (error?: unknown) => Promise<void>,
  ): Promise<Transaction> {
    if (from) requireCapability(this.engine, 'savepoints', 'nest a transaction (savepoint)');
    else requireCapability(this.engine, 'transactions', 'run an interactive transaction');
    checkOptions(options, from !== undefined);
    noRetries(options);
    return this.open(from, options, { exclusive: false, onEnd });
  }

  override held(): Connection {
    return this;
  }

  override get isOpen(): boolean {
    return !this.released;
  }

  /** `fn` on this connection (it is already held). */
  acquire<R>(fn: (conn: Connection) => Promise<R>): Promise<R> {
    return fn(this);
  }

  /**
   * A transaction (a savepoint under `from`) around `fn`: committed when it resolves, rolled back
   * when it throws. `raiseCommit()` / `raiseRollback()` end one level early. While it is open,
   * statements sent on the level it was opened from wait for it to end.
   */
  async transaction<R>(
    fn: (tx: Transaction) => Promise<R>,
    given: TransactionOptions = {},
    wrap: ContextRunner = this.engine.contextRunner,
    from?: Transaction,
  ): Promise<R | undefined> {
    const { reuse: _reuse, ...options } = given;
    if (from) requireCapability(this.engine, 'savepoints', 'nest a transaction (savepoint)');
    else requireCapability(this.engine, 'transactions', 'run an interactive transaction');
    checkOptions(options, from !== undefined);
    const { retries, ...once } = options;
    if (retries) return retrying(retriesOf(retries), () => this.transaction(fn, once, wrap, from));
    // Siblings started concurrently would interleave their SAVEPOINT/RELEASE: one at a time.
    const leave = await (from ?? this).turnstile.enter();
    try {
      const tx = await this.open(from, options, { exclusive: true });
      tx.context = wrap.current;
      this.context ??= wrap.current;
      try {
        tx.managed = true;
        const value = await wrap(tx, () => fn(tx));
        if (!tx.done) await tx.commitLevel();
        return value;
      } catch (error) {
        if (error instanceof TransactionSignal) {
          // GINO: the signal's own level stops it; levels inside it commit or roll back, as asked, and pass it on.
          if (!tx.done) await (error.commit ? tx.commitLevel() : this.rollbackQuietly(tx));
          if (error.tx === tx) return undefined;
          throw error;
        }
        if (!tx.done) await this.rollbackQuietly(tx);
        throw error;
      }
    } finally {
      leave();
    }
  }

  private async rollbackQuietly(tx: Transaction): Promise<void> {
    try {
      await tx.rollbackLevel(false);
    } catch (error) {
      // The connection may be gone; the original error is the one to report, and this one is not reused.
      this.broken ??= error;
    }
  }

  protected async runWithTimeout(compiled: CompiledQuery, ms: number): Promise<DriverResult> {
    const level = await this.settled();
    if (level) return level.runTimed(compiled, ms, 'nested');
    const out = await this.transaction((tx) => tx.runTimed(compiled, ms, 'own'));
    return out as DriverResult;
  }

  /**
   * Give the connection back to its pool — closed instead after a connection error, or when a
   * transaction left open on it cannot be rolled back.
   */
  async release(error?: unknown): Promise<void> {
    if (this.released) return;
    await this.queue;
    if (this.current && error === undefined && this.broken === undefined) {
      // Never hand a pool a connection inside a transaction (a begin() never ended).
      let open: Transaction | undefined = this.current;
      while (open?.parent) open = open.parent;
      if (open) await this.rollbackQuietly(open);
      // Ending a begin() transaction may itself have released this connection.
      if (this.released) return;
    }
    this.released = true;
    await this.session.release(error ?? this.broken);
  }
}

function releasedError(): GinoError {
  return new GinoError('this connection was released; acquire a new one');
}

export function rawCompiled(sql: string): CompiledQuery {
  return compileRaw(sql);
}

/** Thrown by `raiseCommit()`/`raiseRollback()` to end one transaction level early. */
export class TransactionSignal extends Error {
  constructor(
    readonly tx: Transaction,
    readonly commit: boolean,
  ) {
    super(
      commit
        ? 'transaction commit requested (raiseCommit() outside its db.transaction() callback?)'
        : 'transaction rollback requested (raiseRollback() outside its db.transaction() callback?)',
    );
  }
}

/**
 * One transaction level. Queries with `{ bind: tx }`, or inside `db.transaction(fn)` where the
 * runtime has AsyncLocalStorage, run on its connection. While a nested transaction (or a
 * `timeout(ms)` savepoint) is open inside it, statements sent on this level wait for it to end.
 */
export class Transaction extends QueryRunner {
  done = false;
  /** Opened around a callback by `transaction(fn)`: the callback's outcome ends it (GINO's managed mode). */
  managed = false;
  /** Nested transactions of this level take turns. */
  readonly turnstile = new Turnstile();
  /** Statements sent on this level, in call order. */
  readonly lane = new Lane();
  /** Resolves once this level has ended (committed, rolled back, or ended with an enclosing one). */
  readonly ended: Promise<void>;
  private settle!: () => void;
  /** The level of the caller's context, from the Gino that opened this level (see `levelWithin`). */
  context: (() => QueryRunner | undefined) | undefined;
  /** This level's span (`new Gino({ tracer })`): TRANSACTION or SAVEPOINT, its statements inside. */
  span: TraceSpan | undefined;

  constructor(
    readonly connection: Connection,
    readonly parent: Transaction | undefined,
    readonly savepoint: string | undefined,
    /** Opened around a callback: statements sent on the levels outside it wait until it ends. */
    readonly exclusive: boolean,
    private readonly onEnd?: (error?: unknown) => Promise<void>,
  ) {
    super();
    this.ended = new Promise<void>((resolve) => {
      this.settle = resolve;
    });
  }

  get engine(): Engine {
    return this.connection.engine;
  }

  override get inTransaction(): boolean {
    return true;
  }

  override held(): Connection {
    return this.connection;
  }

  override traceParent(): SpanLike | undefined {
    return this.span?.span;
  }

  /** This level runs `compiled` as a batch: its span is the batch's. */
  asBatch(compiled: readonly CompiledQuery[]): this {
    this.span?.asBatch(compiled.map((c) => c.sql));
    return this;
  }

  override get isOpen(): boolean {
    return !this.done;
  }

  /** A savepoint in this transaction around `fn`. */
  transaction<R>(
    fn: (tx: Transaction) => Promise<R>,
    options: TransactionOptions = {},
    wrap: ContextRunner = this.engine.contextRunner,
  ): Promise<R | undefined> {
    return this.connection.transaction(fn, options, wrap, this);
  }

  /** A savepoint in this transaction, ended by hand. */
  begin(options: TransactionOptions = {}): Promise<Transaction> {
    return this.connection.begin(options, this);
  }

  /** `fn` on this transaction's connection. */
  acquire<R>(fn: (conn: Connection) => Promise<R>): Promise<R> {
    return fn(this.connection);
  }

  protected override within(): QueryRunner {
    const context = this.context ?? this.connection.context;
    return context ? levelWithin(this, context()) : this;
  }

  send(q: DriverQuery): Promise<DriverResult> {
    if (this.done) return Promise.reject(endedError());
    if (this.connection.readingCopyRows) return Promise.reject(copyBusyError(q.sql));
    return this.lane.run(
      () => (this.done ? undefined : this.connection.blockerInside(this)),
      () => (this.done ? Promise.reject(endedError()) : this.connection.sendNow(q, true)),
    );
  }

  /** A `COPY ... FROM STDIN` in this level, in its turn (see `Connection.copyNow`). */
  sendCopy(sql: string, data: AsyncIterable<string>): Promise<number> {
    if (this.done) return Promise.reject(endedError());
    if (this.connection.readingCopyRows) return Promise.reject(copyBusyError(sql));
    return this.lane.run(
      () => (this.done ? undefined : this.connection.blockerInside(this)),
      () => (this.done ? Promise.reject(endedError()) : this.connection.copyNow(sql, data)),
    );
  }

  /**
   * Commit this level now (RELEASE SAVEPOINT when nested). When a statement inside it failed,
   * PostgreSQL does not commit: this rejects with `TransactionRolledBackError` naming it, and the
   * level is rolled back.
   */
  async commit(): Promise<void> {
    this.refuseManaged('commit');
    return this.commitLevel();
  }

  /**
   * Inside `transaction(fn)` the callback's outcome ends the level (GINO's managed mode): ending it
   * by hand there is refused before any I/O.
   */
  private refuseManaged(what: 'commit' | 'rollback'): void {
    if (!this.managed) return;
    throw new InvalidRequestError(
      `tx.${what}() is illegal in managed mode (inside db.transaction(fn)): ${
        what === 'commit' ? 'return from fn, or call tx.raiseCommit(),' : 'throw, or call tx.raiseRollback(),'
      } to ${what === 'commit' ? 'commit' : 'roll back'} there; for a transaction ended by hand use db.begin()`,
    );
  }

  /** @internal Commit this level, managed or not (see `commit`). */
  async commitLevel(): Promise<void> {
    if (this.done) throw new GinoError('this transaction has already ended');
    if (this.savepoint) return this.releaseSavepoint(this.savepoint);
    let result: DriverResult;
    try {
      result = await execute(this.connection.control, rawCompiled('COMMIT'));
    } catch (error) {
      // A failed COMMIT ends the transaction on the server (it is rolled back).
      this.connection.failedStatement(true);
      this.done = true;
      await this.end(isBroken(error));
      throw error;
    }
    const failed = this.connection.failedStatement(true);
    this.done = true;
    // The tag says what happened; an adapter that reports none falls back on the failure seen.
    const tag = result.command.split(' ')[0];
    const committed = !(tag === 'ROLLBACK' || (tag !== 'COMMIT' && failed));
    this.span?.span.setAttribute('gino.transaction.outcome', committed ? 'commit' : 'rollback');
    await this.end();
    if (tag === 'ROLLBACK' || (tag !== 'COMMIT' && failed)) throw rolledBack('transaction', failed);
  }

  private async releaseSavepoint(savepoint: string): Promise<void> {
    try {
      await execute(this.connection.control, rawCompiled(`RELEASE SAVEPOINT ${savepoint}`));
    } catch (error) {
      // 25P02: the transaction is aborted by a failed statement; the level is rolled back instead.
      if ((error as { code?: unknown }).code !== '25P02') throw error;
      const failed = this.connection.failedStatement();
      await this.rollbackLevel(false);
      throw rolledBack('savepoint', failed, error);
    }
    this.connection.failedStatement(true);
    this.done = true;
    this.span?.span.setAttribute('gino.transaction.outcome', 'commit');
    await this.end();
  }

  /** Roll this level back now (ROLLBACK TO SAVEPOINT when nested). Not inside `transaction(fn)`: see `commit`. */
  async rollback(): Promise<void> {
    this.refuseManaged('rollback');
    await this.rollbackLevel(false);
  }

  /**
   * @internal Roll this level back, managed or not. `release`: also release the savepoint once
   * rolled back to, so that it is gone from the server.
   */
  async rollbackLevel(release: boolean): Promise<void> {
    if (this.done) throw new GinoError('this transaction has already ended');
    this.done = true;
    this.span?.span.setAttribute('gino.transaction.outcome', 'rollback');
    let failure: unknown;
    try {
      const control = this.connection.control;
      await execute(control, rawCompiled(this.savepoint ? `ROLLBACK TO SAVEPOINT ${this.savepoint}` : 'ROLLBACK'));
      this.connection.failedStatement(true);
      if (release && this.savepoint) await execute(control, rawCompiled(`RELEASE SAVEPOINT ${this.savepoint}`));
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      await this.end(failure);
    }
  }

  /**
   * End this level without a statement: its BEGIN or SAVEPOINT failed, or a failed statement left
   * it aborted, and ending the enclosing level deals with what is left on the server.
   */
  async abandon(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.end();
  }

  /** Ending a level ends every level opened inside it (their savepoints went with it). */
  private async end(error?: unknown): Promise<void> {
    let level = this.connection.current;
    const inner: Transaction[] = [];
    while (level && level !== this && level.isInside(this)) {
      level.done = true;
      inner.push(level);
      level = level.parent;
    }
    if (level === this) this.connection.current = this.parent;
    for (const t of inner) t.settle();
    this.settle();
    for (const t of inner) t.span?.end();
    if (error === undefined) this.span?.end();
    else this.span?.fail(error);
    if (this.onEnd) await this.onEnd(error);
  }

  private isInside(outer: Transaction): boolean {
    for (let p = this.parent; p; p = p.parent) if (p === outer) return true;
    return false;
  }

  /** End this level, committed, from anywhere inside its callback. */
  raiseCommit(): never {
    throw new TransactionSignal(this, true);
  }

  /** End this level, rolled back, from anywhere inside its callback. */
  raiseRollback(): never {
    throw new TransactionSignal(this, false);
  }

  /**
   * Run `compiled` under `SET LOCAL statement_timeout`. In a transaction of our own (`'own'`) that
   * is all; in the caller's (`'nested'`) it runs in a savepoint of its own, where savepoints exist
   * (statements sent on this level meanwhile wait for it): a cancelled statement is rolled back to
   * it so the transaction goes on, and the previous limit is restored afterwards.
   */
  async runTimed(compiled: CompiledQuery, ms: number, mode: 'own' | 'nested'): Promise<DriverResult> {
    if (mode === 'own') {
      await setLocalTimeout(this, ms, false);
      try {
        return await execute(this, compiled);
      } catch (error) {
        throw timeoutError(error, ms);
      }
    }
    if (!this.engine.capabilities.savepoints) return this.timedInPlace(compiled, ms);
    const level = await this.connection.open(this, {}, { exclusive: true, prefix: 'gino_timeout' });
    try {
      const previous = (await setLocalTimeout(level, ms, true)) as string;
      let result: DriverResult;
      try {
        result = await execute(level, compiled);
      } catch (error) {
        const mapped = timeoutError(error, ms);
        // Rolling back to the savepoint also undoes the SET LOCAL.
        if (mapped instanceof QueryTimeoutError) await level.rollbackLevel(true);
        throw mapped;
      }
      await restoreTimeout(level, previous);
      await level.commit();
      return result;
    } finally {
      // A statement that failed otherwise left the transaction aborted, as any failed statement does.
      await level.abandon();
    }
  }

  /** Without savepoints: the limit is set on this level and restored; a cancellation aborts it. */
  private async timedInPlace(compiled: CompiledQuery, ms: number): Promise<DriverResult> {
    const previous = (await setLocalTimeout(this, ms, true)) as string;
    let result: DriverResult;
    try {
      result = await execute(this, compiled);
    } catch (error) {
      throw timeoutError(error, ms);
    }
    await restoreTimeout(this, previous);
    return result;
  }

  protected runWithTimeout(compiled: CompiledQuery, ms: number): Promise<DriverResult> {
    return this.runTimed(compiled, ms, 'nested');
  }
}

function endedError(): GinoError {
  return new GinoError('this transaction has ended; start a new one with db.transaction()');
}
