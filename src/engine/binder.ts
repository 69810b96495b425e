/**
 * The binder: where a query runs. It keeps the binding stacks (a process-wide one, and one per
 * `scope()` where the runtime has AsyncLocalStorage), the transaction or held connection a scope
 * runs in, and the per-request binding of `worker()` handlers. `Gino` delegates to it.
 */

import { InvalidRequestError, UninitializedError } from '../errors.js';
import type { Adapter, DriverQuery } from './adapter.js';
import { ContextSlot } from './context.js';
import { checkCredentials } from './credentials.js';
import { type ContextRunner, Engine, levelWithin, QueryRunner } from './engine.js';
import type { Logger } from './execute.js';
import { type ReadContext, ReadState, type ReplicaRouting, ReplicatedEngine } from './replicas.js';
import { resolveAdapter } from './resolve.js';
import { serverOf, type TracerLike, Tracing } from './tracing.js';
import type { WorkerContext, WorkerHandler, WorkerOptions } from './worker.js';

/** What `setBind` accepts: a URL, an adapter (from a factory such as `pglite(instance)`), or an Engine. */
export type Bindable = string | Adapter | Engine;

interface Store {
  readonly stack: Engine[];
  /** Read-your-writes state per router, shared by a scope and the scopes inside it (see replicas.ts). */
  readonly reads: WeakMap<object, ReadState>;
  /** `db.primary(fn)`: every statement of this scope goes to the primary. */
  readonly primary: boolean;
  /** The transaction or held connection queries run on, unless this scope bound another engine. */
  readonly target: QueryRunner | undefined;
  /** The enclosing scope: its bindings serve where this one has none. */
  readonly parent: Store | undefined;
  /** A scope opened inside the target's callback: it keeps that target unless it binds another engine. */
  readonly inherited: boolean;
}

function isAdapter(value: unknown): value is Adapter {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Adapter).query === 'function' &&
    typeof (value as Adapter).capabilities === 'object'
  );
}

export class Binder {
  private readonly globalStack: Engine[] = [];
  private readonly context = new ContextSlot<Store>();

  constructor(
    private readonly logger: Logger | undefined,
    private readonly tracer?: TracerLike | undefined,
  ) {}

  /** Resolves once the runtime's AsyncLocalStorage is known; true when it has one. */
  ready(): Promise<boolean> {
    return this.context.ready();
  }

  /** The current scope's store, if any. */
  store(): Store | undefined {
    return this.context.get();
  }

  /** The binding stack of the current scope (the process-wide one outside scopes). */
  stack(): Engine[] {
    return this.store()?.stack ?? this.globalStack;
  }

  /** Push an engine for `bind` on the current stack. */
  async setBind(bind: Bindable, options: Record<string, unknown> = {}): Promise<Engine> {
    const engine = bind instanceof Engine && !('replicas' in options) ? bind : await this.createEngine(bind, options);
    this.stack().push(engine);
    return engine;
  }

  /** Pop the current stack's most recent engine. */
  popBind(): Engine {
    const stack = this.stack();
    const engine = stack.pop();
    if (!engine) throw new UninitializedError('popBind(): nothing is bound here; setBind() first');
    return engine;
  }

  /** The current engine; `UninitializedError` when nothing is bound. */
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

  /**
   * `db.bind = engine`: the current stack's binding becomes `engine` (its most recent one is
   * replaced, not closed); `db.bind = null` unbinds the current stack (nothing is closed).
   */
  set bind(engine: Engine | null) {
    const stack = this.stack();
    if (engine === null || engine === undefined) {
      stack.length = 0;
      return;
    }
    if (!(engine instanceof Engine)) {
      throw new InvalidRequestError(
        'db.bind takes an Engine (or null to unbind); bind a URL or an adapter with await db.setBind(url)',
      );
    }
    if (stack.length) stack[stack.length - 1] = engine;
    else stack.push(engine);
  }

  /** Whether anything is bound in the current scope or outside it. */
  get isBound(): boolean {
    for (let store = this.store(); store; store = store.parent) if (store.stack.length > 0) return true;
    return this.globalStack.length > 0;
  }

  /**
   * Where a query runs: an explicit bind, the current transaction or connection, else the bound
   * engine. Inside a scope opened within a transaction, the transaction, unless that scope bound
   * another engine. An explicit bind of a level that the current one runs inside (the enclosing
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
      if (top) return store.target && top.holds(store.target.engine) ? store.target : top;
    }
    return store.target ?? this.bind;
  }

  /** Run `fn` with its own binding stack; it inherits the enclosing transaction or connection. */
  async scope<R>(fn: () => Promise<R> | R, primary = false): Promise<R> {
    await this.context.ready();
    const parent = this.store();
    const target = parent?.target;
    const store: Store = {
      stack: [],
      reads: parent?.reads ?? new WeakMap(),
      primary: primary || (parent?.primary ?? false),
      target,
      parent,
      inherited: target !== undefined,
    };
    // Throws a clear UnsupportedError where the runtime has no AsyncLocalStorage.
    return this.context.run(store, async () => await fn());
  }

  /** Run `fn` with every statement on the primary of a replicated binding (see `Gino.primary`). */
  primary<R>(fn: () => Promise<R> | R): Promise<R> {
    return this.scope(fn, true);
  }

  /** The read-your-writes state and primary choice of the caller's scope for one router. */
  readonly readContext = (key: object): ReadContext | undefined => {
    const store = this.store();
    if (!store) return undefined;
    let state = store.reads.get(key);
    if (!state) {
      state = new ReadState();
      store.reads.set(key, state);
    }
    return { state, primary: store.primary };
  };

  /** Scope, bind, run `fn(engine)`, close what it opened (see `Gino.withBind`). */
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
   * Run `fn` with every statement under these JWT claims (and role), each transaction starting
   * with `set_config('request.jwt.claims', ..., true)` (and `set_config('role', ..., true)`, which
   * is `SET LOCAL ROLE`), so nothing outlives the transaction on a pooled connection. See
   * `Gino.withClaims`.
   */
  async withClaims<R>(claims: ClaimsLike, fn: () => Promise<R> | R, options: ClaimsOptions = {}): Promise<R> {
    const local = claimsStatement(claims, options);
    if (this.store()?.target) {
      throw new InvalidRequestError(
        'withClaims() inside a transaction (or db.acquire()) cannot give its statements their own claims: the enclosing ' +
          'transaction would keep them after withClaims() returns. Call withClaims() outside it and open the transaction inside',
      );
    }
    await this.context.ready();
    return this.scope(async () => {
      const view = this.bind.withLocals([local]);
      const stack = this.stack();
      stack.push(view);
      return settle(fn, () => {
        const i = stack.lastIndexOf(view);
        if (i !== -1) stack.splice(i, 1);
        return view.close();
      });
    });
  }

  /** A Workers module handler binding each request in its own scope (see `Gino.worker`). */
  worker<Env, Ctx extends WorkerContext = WorkerContext>(handler: WorkerOptions<Env, Ctx>): WorkerHandler<Env, Ctx> {
    return {
      fetch: (request, env, ctx) =>
        this.request(
          () => handler.bind(env, request),
          () => handler.options?.(env, request) ?? {},
          (engine) => handler.fetch(request, env, ctx, engine),
          ctx,
        ),
    };
  }

  /**
   * One request (a Worker's, a middleware's): its own scope bound to `bind()`, `fn` run in it, and
   * the binding closed once `fn` settles, through `ctx.waitUntil` when there is an execution context
   * (the response goes out first), else before this resolves. Errors of `bind()` (no URL, a bad one)
   * reject this, for the caller's error handling.
   */
  request<R>(
    bind: () => Bindable | undefined | Promise<Bindable | undefined>,
    options: () => Record<string, unknown>,
    fn: (engine: Engine) => Promise<R> | R,
    ctx: WorkerContext | undefined,
  ): Promise<R> {
    return this.scope(async () => {
      const target = await bind();
      return this.bound(target as Bindable, options(), fn, (engine) =>
        ctx ? ctx.waitUntil(engine.close()) : engine.close(),
      );
    });
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

  /**
   * An Engine for a URL or adapter, not bound; with `replicas`, an engine over that primary and
   * those replicas (each a URL, which takes the primary's options, `{ url, options }`, an adapter
   * or an Engine), routing reads to them (see replicas.ts).
   */
  async createEngine(bind: Bindable, options: Record<string, unknown> = {}): Promise<Engine> {
    if (bind === undefined || bind === null || bind === '') {
      const got = bind === '' ? 'an empty string' : String(bind);
      throw new InvalidRequestError(
        `setBind() got ${got} instead of a database URL: is DATABASE_URL (or the variable you bind) set? ` +
          'On Workers: [vars] in wrangler.toml, .dev.vars, or `wrangler secret put DATABASE_URL`; elsewhere the environment',
      );
    }
    const { replicas, readYourWrites, replicaWaitMs, replicaRetryMs, onReplicaFallback, ...own } = options;
    const routing = { readYourWrites, replicaWaitMs, replicaRetryMs, onReplicaFallback } as ReplicaRouting;
    if (replicas === undefined) {
      if (Object.values(routing).some((v) => v !== undefined)) {
        throw new InvalidRequestError(
          'setBind(): readYourWrites, replicaWaitMs, replicaRetryMs and onReplicaFallback go with { replicas: [...] }',
        );
      }
      return this.singleEngine(bind, own);
    }
    if (!Array.isArray(replicas)) {
      throw new InvalidRequestError(
        "setBind(): replicas takes a list: [url, { url, options }, ...] (a replica URL alone takes the primary's options)",
      );
    }
    const made: Engine[] = [];
    try {
      const primary = bind instanceof Engine ? bind : await this.singleEngine(bind, own);
      if (primary !== bind) made.push(primary);
      for (const item of replicas as unknown[]) {
        const replica = await this.replicaEngine(item, own);
        made.push(replica);
      }
      const router = new ReplicatedEngine(primary, made.slice(primary === bind ? 0 : 1), routing, this.readContext);
      return router;
    } catch (error) {
      await Promise.all(made.map((e) => e.close().catch(() => undefined)));
      throw error;
    }
  }

  private async replicaEngine(item: unknown, primaryOptions: Record<string, unknown>): Promise<Engine> {
    if (item instanceof Engine || isAdapter(item)) return this.singleEngine(item, {});
    if (typeof item === 'string') return this.singleEngine(item, primaryOptions);
    const given = item as { url?: unknown; options?: unknown } | null;
    if (typeof given?.url === 'string' && (given.options === undefined || typeof given.options === 'object')) {
      return this.singleEngine(given.url, (given.options ?? {}) as Record<string, unknown>);
    }
    throw new InvalidRequestError(
      `setBind(): a replica is a URL, { url, options }, an adapter or an Engine; got ${JSON.stringify(item) ?? String(item)}`,
    );
  }

  private async singleEngine(bind: Bindable, options: Record<string, unknown>): Promise<Engine> {
    if (bind instanceof Engine) {
      if (Object.keys(options).length) throw optionsWithoutUrl();
      return bind;
    }
    if (typeof bind !== 'string' && !isAdapter(bind)) {
      throw new InvalidRequestError('setBind() takes a database URL, an adapter (e.g. pglite(instance)) or an Engine');
    }
    if (typeof bind !== 'string' && Object.keys(options).length) throw optionsWithoutUrl();
    if (typeof bind === 'string') checkCredentials(bind);
    const adapter = typeof bind === 'string' ? await resolveAdapter(bind, options) : bind;
    const tracing = this.tracer ? new Tracing(this.tracer, typeof bind === 'string' ? serverOf(bind) : {}) : undefined;
    return new Engine(adapter, { logger: this.logger, tracing, contextRunner: this.wrap });
  }

  /** Runs a level's callback with that level as the context's target (implicit binding). */
  readonly wrap: ContextRunner = Object.assign(
    async <R>(target: QueryRunner, fn: () => Promise<R>): Promise<R> => {
      if (!this.context.available) return fn();
      const store = this.store();
      return this.context.run(
        {
          stack: store?.stack ?? this.globalStack,
          reads: store?.reads ?? new WeakMap(),
          primary: store?.primary ?? false,
          target,
          parent: store?.parent,
          inherited: false,
        },
        fn,
      );
    },
    { current: () => this.store()?.target },
  );
}

/** JWT claims: an object (sent as its JSON), or a JSON object's text. */
export type ClaimsLike = Readonly<Record<string, unknown>> | string;

export interface ClaimsOptions {
  /** The role every statement runs as (`SET LOCAL ROLE`); the login role must be a member of it. */
  role?: string | undefined;
}

/** The statement that sets the claims (and role) until the end of the transaction; checked before any I/O. */
export function claimsStatement(claims: ClaimsLike, options: ClaimsOptions): DriverQuery {
  let text: string;
  if (typeof claims === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(claims);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new InvalidRequestError('withClaims(): claims given as text must be a JSON object, e.g. \'{"sub":"u1"}\'');
    }
    text = claims;
  } else {
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
      throw new InvalidRequestError(
        'withClaims() takes the claims as an object (e.g. { sub: userId, tenant }) or its JSON text',
      );
    }
    try {
      text = JSON.stringify(claims);
    } catch (error) {
      throw new InvalidRequestError(
        `withClaims(): the claims cannot be written as JSON (${(error as Error).message})`,
        {
          cause: error,
        },
      );
    }
  }
  const { role } = options;
  if (role === undefined) return { sql: "SELECT set_config('request.jwt.claims', $1, true)", params: [text] };
  if (typeof role !== 'string' || role === '' || role.includes('\u0000')) {
    throw new InvalidRequestError(`withClaims(): role must be the name of a role, got ${JSON.stringify(role)}`);
  }
  return {
    sql: "SELECT set_config('request.jwt.claims', $1, true), set_config('role', $2, true)",
    params: [text, role],
  };
}

function optionsWithoutUrl(): InvalidRequestError {
  return new InvalidRequestError(
    'setBind(): options go with a URL; an adapter or Engine was already made with its own (e.g. pg(url, { max }))',
  );
}

/** `fn()`, then `cleanup()` whatever happened; `fn`'s error wins over a failing cleanup. */
export async function settle<R>(fn: () => Promise<R> | R, cleanup: () => Promise<void> | void): Promise<R> {
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
