/**
 * `gino-edge/hono`: Hono middleware binding each request, the way Workers apps are written.
 *
 * @example
 * import { Hono } from 'hono';
 * import { gino } from 'gino-edge/hono';
 * import 'gino-edge/adapters/pg';
 *
 * const app = new Hono<{ Bindings: { DATABASE_URL: string } }>();
 * app.use(gino(db, { bind: (c) => c.env.DATABASE_URL }));
 * app.get('/users', async (c) => c.json(await User.query.gino.all()));
 * app.onError((err, c) => c.json({ error: err.name, message: err.message }, 500));
 * export default app;
 */
import type { Context, Env, MiddlewareHandler } from 'hono';
import type { Adapter } from '../engine/adapter.js';
import type { Engine } from '../engine/engine.js';
import type { WorkerContext } from '../engine/worker.js';
import { InvalidRequestError } from '../errors.js';
import type { Gino } from '../gino.js';

/** What `gino(db, ...)` takes. `E` is the app's Hono environment: `c.env` is its `Bindings`. */
export interface GinoMiddlewareOptions<E extends Env> {
  /**
   * This request's database: a URL (its scheme picks the adapter), an adapter, or an Engine you own
   * (used as is, never closed). Called once per request. On Workers return a URL or a new adapter:
   * a connection opened in one request cannot do I/O in another. A missing URL (`undefined`) or a
   * bad one throws from the middleware, so it reaches `app.onError`.
   */
  bind: (c: Context<E>) => string | Adapter | Engine | undefined | Promise<string | Adapter | Engine | undefined>;
  /** The adapter's own options for this request (e.g. `{ max: 1 }` for pg, Neon's endpoints). */
  options?: (c: Context<E>) => Record<string, unknown>;
}

/** The Workers execution context of this request, or undefined (Node, Bun, Deno: Hono's getter throws there). */
function executionContextOf(c: Context): WorkerContext | undefined {
  try {
    const ctx = c.executionCtx as WorkerContext | undefined;
    return typeof ctx?.waitUntil === 'function' ? ctx : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Middleware running the rest of the request in its own scope bound to `bind(c)`: every query in
 * later middleware and handlers runs on this request's binding, with no `bind` argument. The binding
 * is closed once the response is ready, through `c.executionCtx.waitUntil` on Workers (inline where
 * there is no execution context), also when a handler throws. Needs AsyncLocalStorage
 * (`compatibility_flags = ["nodejs_compat"]` on Workers). The response must not stream from the
 * database: the binding closes as soon as the handlers return.
 *
 * @example
 * app.use('/api/*', gino(db, { bind: (c) => c.env.DATABASE_URL, options: () => ({ max: 1 }) }));
 */
export function gino<E extends Env = { Bindings: Cloudflare.Env }>(
  db: Gino,
  options: GinoMiddlewareOptions<E>,
): MiddlewareHandler<E> {
  if (typeof options?.bind !== 'function') {
    throw new InvalidRequestError(
      'gino(db, { bind }) needs bind: a function of the context, e.g. (c) => c.env.DATABASE_URL',
    );
  }
  return async (c, next) => {
    await db.bindRequest(
      () => options.bind(c),
      () => options.options?.(c) ?? {},
      () => next(),
      executionContextOf(c as unknown as Context),
    );
  };
}
