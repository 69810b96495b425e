/**
 * gino-edge with Hono on Cloudflare Workers: notes over HTTP.
 *
 *   POST /setup        create the table (demo only)
 *   GET /notes         list              POST /notes {"title": "..."}
 *   GET /notes/:id     one note, or 404
 *
 * `gino(db, { bind })` gives each request its own scope bound to DATABASE_URL and closes the binding
 * through `executionCtx.waitUntil` after the response. A missing or bad DATABASE_URL, like any other
 * error, reaches `app.onError`, which answers JSON naming the error instead of a bare 500.
 */
// The adapters this Worker can bind, one import line each, at module scope (a bundle cannot load
// an adapter on demand).
import 'gino-edge/adapters/pg';
import 'gino-edge/adapters/neon-ws';
import 'gino-edge/adapters/neon-http';
import { ConnectionError, DatabaseError, Gino, GinoError } from 'gino-edge';
import { gino } from 'gino-edge/hono';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';

export const db = new Gino();

export class Note extends db.Model({
  __tablename__: 'hono_notes',
  id: db.Column(db.Integer(), { primaryKey: true }),
  title: db.Column(db.Unicode(), { nullable: false }),
}) {}

// `Cloudflare.Env` (worker-configuration.d.ts, from `wrangler types`) types `c.env` here and in gino().
const app = new Hono<{ Bindings: Cloudflare.Env }>();

app.use(
  gino(db, {
    bind: (c) => c.env.DATABASE_URL,
    options: (c) => (c.env.DATABASE_OPTIONS ? JSON.parse(c.env.DATABASE_OPTIONS) : {}),
  }),
);

app.post('/setup', async (c) => {
  await db.gino.createAll();
  return c.json({ ok: true });
});

app.get('/notes', async (c) => {
  const notes = await Note.query.orderBy(Note.id).gino.all();
  return c.json(notes.map((n) => n.toDict()));
});

app.post('/notes', async (c) => {
  const body = await c.req.json().catch(() => null);
  const title = (body as { title?: unknown } | null)?.title;
  if (typeof title !== 'string') throw new HTTPException(400, { message: 'the body must be JSON: {"title": "..."}' });
  const note = await Note.create({ title });
  return c.json(note.toDict(), 201);
});

app.get('/notes/:id{[0-9]{1,9}}', async (c) => {
  const note = await Note.get(Number(c.req.param('id')));
  if (!note) throw new HTTPException(404, { message: `no note ${c.req.param('id')}` });
  return c.json(note.toDict());
});

app.onError((err, c) => {
  if (err instanceof HTTPException) return c.json({ error: err.message }, err.status);
  // The server cannot be reached: retrying later may work.
  if (err instanceof ConnectionError) return c.json({ error: err.name, message: err.message }, 503);
  if (err instanceof DatabaseError) return c.json({ error: err.name, message: err.message, code: err.code }, 500);
  // Configuration mistakes (no DATABASE_URL, a bad URL) and other gino-edge errors say what to do.
  if (err instanceof GinoError) return c.json({ error: err.name, message: err.message }, 500);
  return c.json({ error: 'internal error' }, 500);
});

export default app;
