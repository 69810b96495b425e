/**
 * gino-edge on Cloudflare Workers through Hyperdrive: node-postgres on a Hyperdrive binding's
 * `connectionString`, a notes API, and fresh reads that bypass Hyperdrive's query cache.
 *
 *   GET /notes             the notes, through HYPERDRIVE (cached: a note may show up to max_age late)
 *   GET /notes?fresh=1     the notes, through HYPERDRIVE_FRESH (caching disabled): db.primary()
 *   POST /notes {"body"}   a note (writes always go through HYPERDRIVE_FRESH)
 *   GET /pooler            what the binding says about session state (Hyperdrive pools per transaction)
 *
 * Hyperdrive caches plain reads and never writes. The documented way to read around the cache is a
 * second Hyperdrive configuration for the same database with caching disabled
 * (`wrangler hyperdrive create notes-fresh --connection-string=... --caching-disabled`). Bound as
 * the primary, with the cached one as a "replica", gino-edge sends plain SELECTs to the cache and
 * everything else (writes, transactions, FOR UPDATE, SQL text) to the uncached one; inside
 * `db.primary(fn)` reads go uncached too, and after a write a request's reads stay uncached
 * (`readYourWrites: 'primary'`: the cache has no replay position to wait for). With a single
 * binding, bind `env.HYPERDRIVE.connectionString` alone.
 *
 * A Hyperdrive connection string (`<id>.hyperdrive.local`) turns on gino-edge's transaction-mode
 * pooler checks by itself: no session SET per connection, session statements refused.
 */
import 'gino-edge/adapters/pg';
import { DatabaseError, Gino, InvalidRequestError, UnsupportedError } from 'gino-edge';

/** The slice of Workers' `Hyperdrive` binding used here. */
interface Hyperdrive {
  readonly connectionString: string;
}

export interface Env {
  /** Hyperdrive with query caching (the default). */
  HYPERDRIVE: Hyperdrive;
  /** The same database through a Hyperdrive configuration with caching disabled (optional). */
  HYPERDRIVE_FRESH?: Hyperdrive;
}

export const db = new Gino();

export class Note extends db.Model({
  __tablename__: 'hyperdrive_notes',
  id: db.Column(db.Integer(), { primaryKey: true }),
  body: db.Column(db.Text(), { nullable: false }),
}) {}

async function route(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === '/notes' && request.method === 'GET') {
    const list = () => Note.query.orderBy(Note.id).gino.all();
    const notes = url.searchParams.get('fresh') ? await db.primary(list) : await list();
    return Response.json(notes.map((n) => n.toDict()));
  }
  if (url.pathname === '/notes' && request.method === 'POST') {
    const { body } = (await request.json()) as { body?: unknown };
    if (typeof body !== 'string') return Response.json({ error: 'body must be a string' }, { status: 400 });
    const note = await Note.create({ body });
    // Read back in the same request: it wrote, so this read goes uncached and sees the note.
    const count = await db.func.count(Note.id).gino.scalar();
    return Response.json({ note: note.toDict(), count }, { status: 201 });
  }
  if (url.pathname === '/pooler') {
    const refused = await db.status('SET search_path = public').then(
      () => undefined,
      (e: unknown) => (e instanceof UnsupportedError ? e.name : String(e)),
    );
    return Response.json({ sessionState: db.bind.capabilities.sessionState ?? true, refused });
  }
  return Response.json({ error: `no route for ${request.method} ${url.pathname}` }, { status: 404 });
}

export default db.worker({
  bind: (env: Env) => (env.HYPERDRIVE_FRESH ?? env.HYPERDRIVE).connectionString,
  // One connection per request (Hyperdrive pools them); the cached binding serves plain reads.
  options: (env: Env) =>
    env.HYPERDRIVE_FRESH
      ? { max: 1, replicas: [env.HYPERDRIVE.connectionString], readYourWrites: 'primary' }
      : { max: 1 },
  fetch: (request) =>
    route(request).catch((error: unknown) => {
      if (error instanceof InvalidRequestError) return Response.json({ error: error.message }, { status: 400 });
      if (error instanceof DatabaseError)
        return Response.json({ error: error.message, code: error.code }, { status: 500 });
      throw error;
    }),
});
