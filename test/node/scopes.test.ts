/**
 * Per-request binding in Node: `db.scope`, `db.withBind`, `db.worker`, on the run's
 * PostgreSQL through pg. Each binding names itself with `application_name`, so the server says
 * which binding a query really used and which connections are still open.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { pg as pgAdapter } from '../../adapters/pg/index.js';
import { type Adapter, type Engine, Gino, UninitializedError, type WorkerContext } from '../../src/index.js';

const TAG = `gino_rt_scope_${process.pid}_`;
/** The PGlite wire server (no PostgreSQL here) runs every connection in one session: no identity to read. */
const NO_SESSIONS =
  inject('databaseKind') === 'pglite'
    ? 'the PGlite wire server has one session for all connections (no application_name, no pg_stat_activity)'
    : undefined;
if (NO_SESSIONS) console.warn(`[scopes] skipped: ${NO_SESSIONS}`);
let admin: pg.Client;
let serverUrl: string;

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The server URL with this binding's name. */
function urlFor(name: string): string {
  const url = new URL(serverUrl);
  url.searchParams.set('application_name', `${TAG}${name}`);
  return url.href;
}

/** Which binding the current query runs on, as the server sees it. */
async function whoAmI(db: Gino, options: { bind?: Engine } = {}): Promise<string> {
  const name = await db.scalar<string>("SELECT current_setting('application_name')", options);
  return (name ?? '').slice(TAG.length);
}

/** Connections of these bindings the server still has, after a short grace (a backend exits just after its client's goodbye). */
async function openConnections(name?: string, graceMs = 2000): Promise<number> {
  const until = Date.now() + graceMs;
  for (;;) {
    const { rows } = await admin.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE $1',
      [name === undefined ? `${TAG}%` : `${TAG}${name}`],
    );
    const n = rows[0]?.n ?? -1;
    if (n === 0 || Date.now() > until) return n;
    await tick(50);
  }
}

beforeAll(async () => {
  serverUrl = inject('databaseUrl');
  admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
});

afterAll(async () => {
  await admin.end();
});

describe.skipIf(NO_SESSIONS)('db.scope', () => {
  test('a binding made inside a scope is gone when the scope ends', async () => {
    const db = new Gino();
    const engine = await db.scope(async () => {
      const e = await db.setBind(urlFor('inside'));
      expect(await whoAmI(db)).toBe('inside');
      return e;
    });
    expect(db.isBound).toBe(false);
    expect(() => db.bind).toThrow(UninitializedError);
    expect(() => db.popBind()).toThrow(UninitializedError);
    await engine.close();
  });

  test('50 concurrent scopes, interleaving, each see only their own binding', async () => {
    const db = new Gino();
    const names = Array.from({ length: 50 }, (_, i) => `c${i}`);
    const seen = await Promise.all(
      names.map((name, i) =>
        db.scope(async () => {
          const engine = await db.setBind(urlFor(name), { max: 1 });
          try {
            await tick((i * 7) % 13);
            const first = await whoAmI(db);
            await tick((i * 5) % 11);
            const second = await whoAmI(db);
            return { name, first, second, same: db.bind === engine };
          } finally {
            await db.popBind().close();
          }
        }),
      ),
    );
    expect(seen.filter((s) => s.first !== s.name || s.second !== s.name || !s.same)).toEqual([]);
    expect(db.isBound).toBe(false);
    expect(await openConnections()).toBe(0);
  });

  test('the process-wide binding shows through an empty scope, and a scope binding shadows it', async () => {
    const db = new Gino();
    const global = await db.setBind(urlFor('global'));
    try {
      await db.scope(async () => {
        expect(await whoAmI(db)).toBe('global');
        await db.setBind(urlFor('scoped'));
        expect(await whoAmI(db)).toBe('scoped');
        await db.popBind().close();
        expect(await whoAmI(db)).toBe('global');
      });
      expect(db.bind).toBe(global);
    } finally {
      await db.popBind().close();
    }
  });

  test('a nested scope has its own stack; the outer binding is back after it', async () => {
    const db = new Gino();
    await db.scope(async () => {
      await db.setBind(urlFor('outer'));
      await db.scope(async () => {
        // An empty inner scope sees the enclosing scope's binding (not the process-wide one).
        expect(await whoAmI(db)).toBe('outer');
        expect(db.isBound).toBe(true);
        await db.setBind(urlFor('inner'));
        expect(await whoAmI(db)).toBe('inner');
        await db.popBind().close();
        expect(await whoAmI(db)).toBe('outer');
      });
      expect(await whoAmI(db)).toBe('outer');
      await db.popBind().close();
    });
  });
});

describe.skipIf(NO_SESSIONS)('db.withBind', () => {
  test('binds for fn only and closes the binding after', async () => {
    const db = new Gino();
    let engine: Engine | undefined;
    const name = await db.withBind(urlFor('wb'), async (e) => {
      engine = e;
      expect(db.bind).toBe(e);
      return whoAmI(db);
    });
    expect(name).toBe('wb');
    expect(db.isBound).toBe(false);
    await expect(db.scalar('SELECT 1', { bind: engine })).rejects.toThrow(/closed/);
    expect(await openConnections('wb')).toBe(0);
  });

  test('closes the binding when fn throws, and rethrows what fn threw', async () => {
    const db = new Gino();
    let engine: Engine | undefined;
    const failure = new Error('fn failed');
    await expect(
      db.withBind(urlFor('wb-throws'), async (e) => {
        engine = e;
        expect(await whoAmI(db)).toBe('wb-throws');
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(db.isBound).toBe(false);
    await expect(db.scalar('SELECT 1', { bind: engine })).rejects.toThrow(/closed/);
    expect(await openConnections('wb-throws')).toBe(0);
  });

  test("fn's error wins over a close that fails; a close failure alone is reported", async () => {
    const db = new Gino();
    const closeFails = (): Adapter => {
      const real = pgAdapter(urlFor('wb-close'));
      return {
        name: real.name,
        capabilities: real.capabilities,
        query: (q) => real.query(q),
        close: async () => {
          await real.close();
          throw new Error('close failed');
        },
      };
    };
    const failure = new Error('fn failed');
    await expect(
      db.withBind(closeFails(), async () => {
        await whoAmI(db);
        throw failure;
      }),
    ).rejects.toBe(failure);
    await expect(db.withBind(closeFails(), () => whoAmI(db))).rejects.toThrow('close failed');
    expect(db.isBound).toBe(false);
    expect(await openConnections('wb-close')).toBe(0);
  });

  test('an Engine the caller owns is used, unbound after, and not closed', async () => {
    const db = new Gino();
    const mine = await db.createEngine(urlFor('owned'));
    try {
      expect(await db.withBind(mine, () => whoAmI(db))).toBe('owned');
      expect(db.isBound).toBe(false);
      expect(await whoAmI(db, { bind: mine })).toBe('owned');
    } finally {
      await mine.close();
    }
  });

  test('inside a scope, the scope binding is back after withBind', async () => {
    const db = new Gino();
    await db.scope(async () => {
      await db.setBind(urlFor('request'));
      expect(await db.withBind(urlFor('side'), () => whoAmI(db))).toBe('side');
      expect(await whoAmI(db)).toBe('request');
      await db.popBind().close();
    });
  });
});

describe.skipIf(NO_SESSIONS)('db.worker', () => {
  /** An ExecutionContext as Workers give it: closes wait in waitUntil. */
  function context(): WorkerContext & { settled: () => Promise<unknown> } {
    const pending: Promise<unknown>[] = [];
    return { waitUntil: (p) => void pending.push(p), settled: () => Promise.all(pending) };
  }

  test('each request is scoped and bound; the binding closes through ctx.waitUntil', async () => {
    const db = new Gino();
    const handler = db.worker({
      bind: (env: { url: string }, request) => `${env.url}${new URL(request.url).searchParams.get('who')}`,
      options: () => ({ max: 1 }),
      fetch: async (request, _env, _ctx, engine) => {
        await tick(Number(new URL(request.url).searchParams.get('pause')));
        return Response.json({ who: await whoAmI(db), explicit: await whoAmI(db, { bind: engine }) });
      },
    });
    const ctx = context();
    const env = { url: urlFor('') };
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        handler.fetch(new Request(`http://w/?who=r${i}&pause=${(i * 3) % 10}`), env, ctx),
      ),
    );
    const bodies = await Promise.all(responses.map((r) => r.json()));
    expect(bodies).toEqual(Array.from({ length: 30 }, (_, i) => ({ who: `r${i}`, explicit: `r${i}` })));
    expect(db.isBound).toBe(false);
    await ctx.settled();
    expect(await openConnections()).toBe(0);
  });

  test('a handler that throws rejects the request and still closes its binding', async () => {
    const db = new Gino();
    const handler = db.worker({
      bind: () => urlFor('w-throws'),
      fetch: async () => {
        await whoAmI(db);
        throw new Error('handler failed');
      },
    });
    const ctx = context();
    await expect(handler.fetch(new Request('http://w/'), {}, ctx)).rejects.toThrow('handler failed');
    await ctx.settled();
    expect(await openConnections('w-throws')).toBe(0);
  });
});
