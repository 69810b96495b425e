/**
 * The shapes of `db.worker()` (Cloudflare Workers and anything with the same `fetch(request, env,
 * ctx)` module handler). Structural, so the core needs no Workers type package: a Workers
 * `ExecutionContext` is a `WorkerContext`, and the returned handler is an `ExportedHandler`.
 */
import type { Adapter } from './adapter.js';
import type { Engine } from './engine.js';

declare global {
  /**
   * Where Workers' generated types (`wrangler types`, @cloudflare/workers-types) declare a Worker's
   * bindings: `db.worker()` and `gino-edge/hono` type `env` with it unless told otherwise. Merged
   * with theirs; empty without them.
   */
  namespace Cloudflare {
    interface Env {}
  }
}

/** The slice of a Workers `ExecutionContext` the helper uses. */
export interface WorkerContext {
  waitUntil(promise: Promise<unknown>): void;
}

/** What `db.worker()` takes. */
export interface WorkerOptions<Env = Cloudflare.Env, Ctx extends WorkerContext = WorkerContext> {
  /**
   * This request's database: a URL (its scheme picks the adapter, as the README's table of URLs says), an adapter, or an
   * Engine you own (used as is and never closed). Called once per request. On Workers return a URL
   * or a new adapter: a connection opened in one request cannot do I/O in another.
   */
  bind: (
    env: Env,
    request: Request,
  ) => string | Adapter | Engine | undefined | Promise<string | Adapter | Engine | undefined>;
  /** The adapter's own options for this request (e.g. `{ max: 1 }` for pg, Neon's endpoints). */
  options?: (env: Env, request: Request) => Record<string, unknown>;
  /**
   * The request handler. Inside it, every query runs on this request's binding; `engine` is that
   * binding, for explicit `{ bind: engine }`. The response must not stream from the database: the
   * binding closes as soon as this resolves.
   */
  fetch: (request: Request, env: Env, ctx: Ctx, engine: Engine) => Response | Promise<Response>;
}

/** The module handler `db.worker()` returns: `export default db.worker({...})`. */
export interface WorkerHandler<Env = Cloudflare.Env, Ctx extends WorkerContext = WorkerContext> {
  fetch(request: Request, env: Env, ctx: Ctx): Promise<Response>;
}
