/**
 * gino-edge on Cloudflare Workers: a REST API over the tutorial's `User` model.
 *
 *   POST /setup            create the table (demo only)
 *   GET /users             list (?limit=&offset=)      POST /users {"nickname": "..."}
 *   GET /users/count       {"count": n}
 *   GET /users/:id         PATCH /users/:id {"nickname": "..."}      DELETE /users/:id
 *
 * Each request gets its own scope bound to DATABASE_URL; the URL's scheme picks the adapter
 * (postgresql:// → pg over TCP sockets). The binding is closed with ctx.waitUntil after the response.
 */
// The adapters this Worker can bind, one import line each, here in the entry module: a bundle
// cannot load an adapter on demand, and a bundler keeps an entry's bare imports whatever the
// enclosing package.json says about side effects.
import 'gino-edge/adapters/pg';
import 'gino-edge/adapters/neon-ws';
import 'gino-edge/adapters/neon-http';
import { db } from './models.js';
import { errorResponse, route } from './routes.js';

export interface Env {
  /** e.g. postgresql://user:password@host/db */
  DATABASE_URL: string;
  /** Optional JSON of the adapter's own options, e.g. {"max": 1}. */
  DATABASE_OPTIONS?: string;
}

export default db.worker({
  bind: (env: Env) => env.DATABASE_URL,
  options: (env: Env) => (env.DATABASE_OPTIONS ? JSON.parse(env.DATABASE_OPTIONS) : {}),
  fetch: (request) => route(request).catch(errorResponse),
});
