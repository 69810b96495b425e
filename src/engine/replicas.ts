/**
 * Read replicas: an engine that holds a primary and its replicas and routes each statement by what
 * its compiled form says about it. A plain read (a SELECT that takes no row lock and writes
 * nothing) goes to a replica; everything else — writes, `forUpdate()`, DDL, SQL text, batches
 * with a write — and everything that holds a session (transactions, cursors, `acquire`) goes to
 * the primary. Reads of a scope that wrote see the write (read-your-writes): they wait until a
 * replica has replayed the primary's WAL up to the write, or stick to the primary. A replica that
 * fails falls back to the primary, with a warning.
 */
import { ConnectionError, DatabaseError, InvalidRequestError, toGinoError } from '../errors.js';
import type { Capabilities } from './adapter.js';
import { type Connection, type ContextRunner, Engine, type Transaction, type TransactionOptions } from './engine.js';
import { loaderOf, type Mode, Precompiled, type Query, toCompiled } from './execute.js';
import { isPlainRead } from './retry.js';

/** How reads after a write in the same scope find it. */
export type ReadYourWrites = 'wait' | 'primary';

/** What the router tells about a replica it stopped using for a while, or a read it sent to the primary instead. */
export interface ReplicaFallback {
  /** `replica 1 (pg)`: the replica's position in the list, and its adapter. */
  replica: string;
  /** Why: the replica's error. */
  error: Error;
  /** Until when (epoch ms) the replica is left alone; undefined when only this statement went to the primary. */
  until: number | undefined;
}

/** The routing options of `setBind(url, { replicas, ... })`. */
export interface ReplicaRouting {
  /**
   * `'wait'` (default): the first read on a replica after a write of the same scope asks the
   * primary for its WAL position and waits (up to `replicaWaitMs`) until the replica has replayed
   * it, else reads on the primary. `'primary'`: after a write, the scope's reads stay on the
   * primary until the scope ends (outside any scope: from then on).
   */
  readYourWrites?: ReadYourWrites;
  /** How long a read waits for a replica to replay a write before it goes to the primary (default 500 ms). */
  replicaWaitMs?: number;
  /** How long a replica that failed is left alone (default 5000 ms). */
  replicaRetryMs?: number;
  /** Told about every fallback to the primary; default `console.warn`. */
  onReplicaFallback?: (event: ReplicaFallback) => void;
}

/** The read-your-writes state of one scope (or of the process, outside scopes) for one router. */
export class ReadState {
  /** Writes (or statements that may have written) sent to the primary. */
  writes = 0;
  /** Writes known to be replayed on the replicas. */
  replayed = 0;
  /** The primary's WAL position fetched for `writes` up to `upTo`. */
  pending: { upTo: number; lsn: Promise<string> } | undefined;
}

/** Where the caller's context wants reads to go: its scope's state, and whether it forces the primary. */
export interface ReadContext {
  readonly state: ReadState;
  readonly primary: boolean;
}

/** What the views of one router share: the replicas' health, the process-wide state, the options. */
interface Shared {
  readonly options: Required<Omit<ReplicaRouting, 'onReplicaFallback'>> & {
    onReplicaFallback: (event: ReplicaFallback) => void;
  };
  readonly down: Map<Engine, number>;
  readonly global: ReadState;
  next: number;
  /** Counters, for tests and tuning. */
  readonly stats: ReplicaStats;
}

/** What a router did, counted. */
export interface ReplicaStats {
  /** Statements and batches read on a replica. */
  replicaReads: number;
  /** Reads sent to the primary (forced, after a write with `'primary'`, or a replica not caught up). */
  primaryReads: number;
  /** Everything else sent to the primary. */
  primaryWrites: number;
  /** Reads that waited for a replica to replay a write, and the checks they made. */
  replayWaits: number;
  replayChecks: number;
  /** Reads moved to the primary because a replica failed or had not caught up in time. */
  fallbacks: number;
  lagFallbacks: number;
}

/** SQLSTATEs a read on a replica can fail with where the primary would not. */
function replicaOnlyFailure(error: unknown): 'replica' | 'statement' | undefined {
  const e = toGinoError(error);
  if (e instanceof ConnectionError) return 'replica';
  if (!(e instanceof DatabaseError)) return undefined;
  // 40001 on a plain read: canceled by a conflict with recovery (hot standby).
  if (e.code === '40001' || e.code === '57P04') return 'replica';
  // 25006: the read wrote (a function with side effects); 55000: a function that needs a primary.
  if (e.code === '25006' || e.code === '55000') return 'statement';
  return undefined;
}

const noContext = (_key: object): ReadContext | undefined => undefined;

/**
 * An engine over a primary and its replicas. `db.setBind(url, { replicas })` makes one; it is an
 * Engine everywhere an Engine goes. `engine.primary` is a view of it that sends everything to the
 * primary (and still counts as the scope's writes); `db.primary(fn)` does the same for a scope.
 *
 * @example
 * await db.setBind(env.PRIMARY_URL, { replicas: [env.REPLICA_URL, { url: env.REPLICA2_URL, options: { max: 2 } }] });
 * await User.query.gino.all();               // a replica
 * await User.create({ nickname: 'x' });      // the primary; later reads of this scope see it
 * await db.primary(() => User.get(1));       // the primary
 */
export class ReplicatedEngine extends Engine {
  private readonly shared: Shared;

  constructor(
    private readonly primaryEngine: Engine,
    readonly replicas: readonly Engine[],
    routing: ReplicaRouting | Shared,
    /**
     * The caller's scope (from the binder): its read-your-writes state for the router `key` (shared
     * by a router and its views), and whether it forces the primary.
     */
    private readonly context: (key: object) => ReadContext | undefined = noContext,
    /** A view (of another router): closing it closes nothing underneath. */
    private readonly view = false,
  ) {
    super(primaryEngine.adapter, primaryEngine.options, primaryEngine);
    this.shared = 'down' in routing ? routing : sharedOf(routing);
  }

  override get capabilities(): Capabilities {
    return this.primaryEngine.capabilities;
  }

  override get primary(): Engine {
    return new ReplicatedEngine(this.primaryEngine, [], this.shared, this.context, true);
  }

  override holds(engine: Engine): boolean {
    return engine === this || this.primaryEngine.holds(engine);
  }

  /** What this router (and its views) did. */
  get stats(): Readonly<ReplicaStats> {
    return { ...this.shared.stats };
  }

  override withLocals(locals: Parameters<Engine['withLocals']>[0]): Engine {
    return new ReplicatedEngine(
      this.primaryEngine.withLocals(locals),
      this.replicas.map((r) => r.withLocals(locals)),
      this.shared,
      this.context,
      true,
    );
  }

  private state(): { state: ReadState; forced: boolean } {
    const ctx = this.context(this.shared);
    return { state: ctx?.state ?? this.shared.global, forced: ctx?.primary ?? false };
  }

  /** Record a statement that may have written, once it has ended (whatever its outcome). */
  private async onPrimary<R>(work: () => Promise<R>, writes = true): Promise<R> {
    const { state } = this.state();
    this.shared.stats.primaryWrites++;
    try {
      return await work();
    } finally {
      if (writes) {
        state.writes++;
        state.pending = undefined;
      }
    }
  }

  override async run(
    query: Query,
    params: readonly unknown[] | undefined,
    mode: Mode,
    loader?: unknown,
    timeout?: number,
  ): Promise<unknown> {
    const compiled = toCompiled(query, params, loader);
    const shaped = loader === undefined ? loaderOf(query) : loader;
    const once = new Precompiled(compiled);
    const go = (engine: Engine) => engine.run(once, undefined, mode, shaped, timeout);
    if (!isPlainRead(compiled)) return this.onPrimary(() => go(this.primaryEngine));
    return this.read(go);
  }

  override send(...args: Parameters<Engine['send']>): ReturnType<Engine['send']> {
    return this.onPrimary(() => this.primaryEngine.send(...args));
  }

  override sendBatch(...args: Parameters<Engine['sendBatch']>): ReturnType<Engine['sendBatch']> {
    return this.onPrimary(() => this.primaryEngine.sendBatch(...args));
  }

  override async batch(queries: readonly Query[], options: TransactionOptions = {}): Promise<unknown[][]> {
    const compiled = queries.map((q) => toCompiled(q));
    if (compiled.length > 0 && compiled.every(isPlainRead))
      return this.read((engine) => engine.batch(queries, options));
    return this.onPrimary(() => this.primaryEngine.batch(queries, options));
  }

  override transaction<R>(
    fn: (tx: Transaction) => Promise<R>,
    options: TransactionOptions = {},
    wrap?: ContextRunner,
  ): Promise<R | undefined> {
    return this.onPrimary(() => this.primaryEngine.transaction(fn, options, wrap), options.readOnly !== true);
  }

  override async begin(options: TransactionOptions = {}): Promise<Transaction> {
    const { state } = this.state();
    this.shared.stats.primaryWrites++;
    const tx = await this.primaryEngine.begin(options);
    // Ended by hand, later: what it wrote counts once it has ended.
    if (options.readOnly !== true) {
      void tx.ended.then(() => {
        state.writes++;
        state.pending = undefined;
      });
    }
    return tx;
  }

  override acquire<R>(fn: (conn: Connection) => Promise<R>, wrap?: ContextRunner): Promise<R> {
    return this.onPrimary(() => this.primaryEngine.acquire(fn, wrap));
  }

  override connect(): Promise<Connection> {
    // Cursors and held connections: the primary (a cursor reads; acquire() counts its own writes).
    return this.primaryEngine.connect();
  }

  /** A read: on a replica that has the scope's writes, else on the primary; a failing replica falls back. */
  private async read<R>(go: (engine: Engine) => Promise<R>): Promise<R> {
    const { state, forced } = this.state();
    const stats = this.shared.stats;
    const replica = forced ? undefined : this.pick();
    if (!replica || !(await this.hasWrites(replica, state))) {
      stats.primaryReads++;
      return go(this.primaryEngine);
    }
    try {
      const out = await go(replica);
      stats.replicaReads++;
      return out;
    } catch (error) {
      const failure = replicaOnlyFailure(error);
      if (!failure) throw error;
      this.fallback(replica, toGinoError(error), failure === 'replica');
      stats.primaryReads++;
      return go(this.primaryEngine);
    }
  }

  /** Whether `replica` has replayed the scope's writes (waiting for it, with `'wait'`). */
  private async hasWrites(replica: Engine, state: ReadState): Promise<boolean> {
    if (state.writes === state.replayed) return true;
    const { readYourWrites, replicaWaitMs } = this.shared.options;
    if (readYourWrites === 'primary') return false;
    const stats = this.shared.stats;
    const upTo = state.writes;
    if (state.pending?.upTo !== upTo) {
      const lsn = this.primaryEngine.scalar('SELECT pg_current_wal_insert_lsn()::text') as Promise<string>;
      lsn.catch(() => undefined);
      state.pending = { upTo, lsn };
    }
    stats.replayWaits++;
    const deadline = Date.now() + replicaWaitMs;
    try {
      const lsn = await state.pending.lsn;
      for (let pause = 2; ; pause = Math.min(pause * 2, 25)) {
        stats.replayChecks++;
        // NULL: not a standby (a promoted replica, or the primary itself): nothing left to replay.
        const done = await replica.scalar('SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, true)', [lsn]);
        if (done === true) {
          state.replayed = Math.max(state.replayed, upTo);
          return true;
        }
        if (Date.now() + pause > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    } catch (error) {
      if (replicaOnlyFailure(error) === 'replica') this.fallback(replica, toGinoError(error), true);
      else throw error;
      return false;
    }
    stats.lagFallbacks++;
    return false;
  }

  /** The next replica not resting after a failure, round robin; undefined when none is up. */
  private pick(): Engine | undefined {
    const { replicas } = this;
    const now = Date.now();
    for (let i = 0; i < replicas.length; i++) {
      const replica = replicas[(this.shared.next + i) % replicas.length] as Engine;
      const until = this.shared.down.get(replica);
      if (until !== undefined && until > now) continue;
      this.shared.down.delete(replica);
      this.shared.next = (this.shared.next + i + 1) % replicas.length;
      return replica;
    }
    return undefined;
  }

  private fallback(replica: Engine, error: Error, rest: boolean): void {
    const until = rest ? Date.now() + this.shared.options.replicaRetryMs : undefined;
    if (until !== undefined) this.shared.down.set(replica, until);
    this.shared.stats.fallbacks++;
    const index = this.replicas.indexOf(replica) + 1;
    this.shared.options.onReplicaFallback({ replica: `replica ${index} (${replica.adapter.name})`, error, until });
  }

  override async close(): Promise<void> {
    if (this.isClosed) return;
    await super.close();
    if (this.view) return;
    await Promise.all([this.primaryEngine.close(), ...this.replicas.map((r) => r.close())]);
  }

  override get isClosed(): boolean {
    return super.isClosed || this.primaryEngine.isClosed;
  }
}

function sharedOf(routing: ReplicaRouting): Shared {
  const readYourWrites = routing.readYourWrites ?? 'wait';
  if (readYourWrites !== 'wait' && readYourWrites !== 'primary') {
    throw new InvalidRequestError(
      `readYourWrites: expected 'wait' (wait for a replica to replay the write) or 'primary' (stay on the primary after a write), got ${JSON.stringify(readYourWrites)}`,
    );
  }
  const ms = (name: string, value: number | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    if (!Number.isFinite(value) || value < 0)
      throw new InvalidRequestError(`${name} takes a number of milliseconds, got ${String(value)}`);
    return value;
  };
  return {
    options: {
      readYourWrites,
      replicaWaitMs: ms('replicaWaitMs', routing.replicaWaitMs, 500),
      replicaRetryMs: ms('replicaRetryMs', routing.replicaRetryMs, 5000),
      onReplicaFallback:
        routing.onReplicaFallback ??
        ((e) =>
          console.warn(
            `[gino-edge] ${e.replica} failed (${e.error.message}); ${
              e.until === undefined ? 'this read ran on the primary' : 'reads go to the primary for now'
            }`,
          )),
    },
    down: new Map(),
    global: new ReadState(),
    next: 0,
    stats: {
      replicaReads: 0,
      primaryReads: 0,
      primaryWrites: 0,
      replayWaits: 0,
      replayChecks: 0,
      fallbacks: 0,
      lagFallbacks: 0,
    },
  };
}
