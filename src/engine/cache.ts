/**
 * The engine's query cache: the one `QueryCache` (see `compiler/cache.ts`) the query path uses —
 * compiling statements, baked queries (`Model.get`, function calls of one column), finishing and
 * shaping rows. One for the process, not one per Engine: every entry is derived from immutable
 * objects alone and holds for any engine, so an Engine made per request (a Worker's
 * `db.withBind(url, ...)`) finds the entries its predecessors made.
 */
import { QueryCache } from '../compiler/cache.js';
import type { PreparedLoader } from './shape.js';

export const queryCache = new QueryCache<PreparedLoader>();
