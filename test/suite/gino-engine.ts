/**
 * GINO's `tests/test_engine.py`, translated: one test per GINO test function, named after it,
 * with GINO's expectations. GINO's asyncpg pool internals (queue sizes, lazy and reusable acquires,
 * patched drivers) have no counterpart and are listed as not ported, with the reason.
 */
import { describe, expect } from 'vitest';
import {
  Connection,
  DatabaseError,
  Gino,
  GinoError,
  InvalidRequestError,
  type QueryEvent,
  UninitializedError,
} from '../../src/index.js';
import { ginoSkip, useGinoModels } from './gino-models.js';
import { capabilityTest, type SuiteContext, suiteTest } from './harness.js';

export function ginoEngineSuite(ctx: SuiteContext): void {
  describe('GINO tests/test_engine.py', () => {
    const { db } = ctx;
    const models = useGinoModels(db);
    const { User } = models;

    /** A new Gino bound to a new engine of the adapter under test (GINO's `create_engine(PG_URL)`). */
    async function ownBinding(options: Record<string, unknown> = {}, logger?: (e: QueryEvent) => void) {
      const own = new Gino(logger ? { logger } : {});
      const given = await ctx.adapter.bind();
      const engine = await own.setBind(
        given.bind,
        typeof given.bind === 'string' ? { ...(given.options ?? {}), ...options } : {},
      );
      return { own, engine };
    }

    suiteTest(ctx, 'test_basic', async () => {
      const engine = ctx.engine();
      if (ctx.capabilities().sessions) {
        await engine.acquire(async (conn) => {
          expect(conn).toBeInstanceOf(Connection);
        });
      }
      expect(await engine.scalar('select now()')).toBeInstanceOf(Date);
      expect(await engine.scalar(db.text('select now()'))).toBeInstanceOf(Date);
      const first = (await engine.first('select now()')) as Record<number, unknown>;
      expect(first[0]).toBeInstanceOf(Date);
      const all = (await engine.all('select now()')) as Record<number, unknown>[];
      expect(all[0]?.[0]).toBeInstanceOf(Date);
      const { status, rows } = await engine.status('select now()');
      expect(status).toBe('SELECT 1');
      expect((rows[0] as Record<number, unknown>)[0]).toBeInstanceOf(Date);
      // GINO: ObjectNotExecutableError.
      await expect(engine.all({} as never)).rejects.toBeInstanceOf(GinoError);
    });

    suiteTest(ctx, 'test_issue_79', async () => {
      const given = await ctx.adapter.bind();
      if (typeof given.bind !== 'string') {
        // An embedded database has no other database to name: refused URLs are the server adapters'.
        expect(ctx.adapter.name).toBe('pglite');
        return;
      }
      const own = new Gino();
      const engine = await own.setBind(given.bind.replace(/\/([^/?]+)(\?|$)/, '/$1_non_exist$2'), given.options ?? {});
      try {
        // asyncpg's InvalidCatalogNameError is SQLSTATE 3D000.
        const attempt = ctx.capabilities().sessions ? engine.acquire(async () => undefined) : engine.scalar('SELECT 1');
        await expect(attempt).rejects.toMatchObject({ code: '3D000' });
        await expect(attempt).rejects.toBeInstanceOf(DatabaseError);
      } finally {
        await own.popBind().close();
      }
    });

    ginoSkip(
      'test_reuse',
      'acquire(reuse=True/False) nesting measured by the asyncpg pool queue size; gino-edge has no reuse option on acquire() and exposes no pool queue',
    );

    suiteTest(ctx, 'test_compile', async () => {
      const { params } = ctx.engine().compile(User.query.where(User.id.eq(3)));
      expect(params[0]).toBe(3);
    });

    suiteTest(ctx, 'test_logging', async () => {
      // GINO's echo=False/True is whether a logger is given.
      const sql = 'SELECT NOW() AS test_logging';
      const quiet = await ownBinding();
      await quiet.engine.scalar(sql);
      await quiet.own.popBind().close();
      const events: QueryEvent[] = [];
      const loud = await ownBinding({}, (e) => events.push(e));
      await loud.engine.scalar(sql);
      await loud.own.popBind().close();
      expect(events).toContainEqual(expect.objectContaining({ sql, params: [] }));
    });

    capabilityTest(
      ctx,
      'test_set_isolation_level',
      'transactions',
      async () => {
        // GINO's engine-wide isolation_level option is a transaction option here.
        await expect(ctx.engine().transaction(async () => undefined, { isolation: 'non' as never })).rejects.toThrow(
          InvalidRequestError,
        );
        await ctx.engine().transaction(
          async (tx) => {
            expect(await tx.scalar('SHOW transaction_isolation')).toBe('serializable');
          },
          { isolation: 'serializable' },
        );
      },
      () => ctx.engine().transaction(async () => undefined),
    );

    suiteTest(ctx, 'test_too_many_engine_args', async () => {
      const given = await ctx.adapter.bind();
      const url = typeof given.bind === 'string' ? given.bind : 'pglite://memory';
      const options = { ...(typeof given.bind === 'string' ? given.options : {}), non_exist: null };
      if (ctx.adapter.name === 'pg' || ctx.adapter.name === 'neon-ws') {
        // Difference from GINO (docs/guides/differences-from-gino.md): pg and neon-ws hand the options they do not use to their
        // driver's pool or client configuration, as node-postgres takes them.
        const engine = await new Gino().createEngine(url, options);
        await engine.close();
        return;
      }
      // PGlite and neon-http refuse an option they do not know, naming it, before any I/O.
      await expect(new Gino().createEngine(url, options)).rejects.toThrow(/non_exist/);
    });

    suiteTest(ctx, 'test_scalar_return_none', async () => {
      expect(await User.query.where(User.nickname.eq('nonexist')).gino.scalar()).toBeNull();
    });

    suiteTest(ctx, 'test_asyncpg_0120', async () => {
      // GINO's second half patches asyncpg internals; the statement itself returns no row.
      expect(await ctx.engine().first('rollback')).toBeNull();
    });

    ginoSkip(
      'test_asyncpg_0120_iterate',
      'asyncpg 0.12 compatibility through a cursor over ROLLBACK; PostgreSQL declares cursors only for queries (DECLARE ... FOR ROLLBACK is a syntax error)',
    );

    suiteTest(ctx, 'test_async_metadata', async () => {
      const { own } = await ownBinding();
      expect(await own.scalar('select now()')).toBeInstanceOf(Date);
      await own.popBind().close();
      expect(() => own.bind).toThrow(UninitializedError);
    });

    ginoSkip(
      'test_acquire_timeout',
      "acquire(timeout=, lazy=, reuse=) against an asyncpg pool of one; the adapters' pool limits are their drivers' options (connectionTimeoutMillis, max: docs/guides/adapters-and-urls.md)",
    );
    ginoSkip('test_lazy', 'lazy connections of the asyncpg pool, and a patched Pool.acquire');

    capabilityTest(
      ctx,
      'test_release',
      'sessions',
      async () => {
        // GINO's release(permanent=False) gives a lazy connection back and re-takes it on use;
        // gino-edge connections are released once, permanently.
        let conn!: Connection;
        await ctx.engine().acquire(async (c) => {
          conn = c;
          expect(await conn.scalar('select 8')).toBe(8);
        });
        await expect(conn.scalar('select 8')).rejects.toThrow(/released/);

        conn = await ctx.engine().connect();
        expect(await conn.scalar('select 8')).toBe(8);
        await conn.release();
        await expect(conn.scalar('select 8')).rejects.toThrow(/released/);
      },
      () => ctx.engine().acquire(async () => undefined),
    );

    ginoSkip('test_ssl', "an ssl.SSLContext for asyncpg; each adapter takes its driver's TLS options");

    capabilityTest(
      ctx,
      'test_issue_313',
      'sessions',
      async () => {
        // GINO checks its context variable is empty afterwards: here, statements outside run on the engine again.
        await db.acquire(async () => undefined);
        expect(db.runnerFor()).toBe(ctx.engine());
        await Promise.all(
          Array.from({ length: 5 }, () =>
            db.acquire(async () => {
              await db.scalar('SELECT now()');
            }),
          ),
        );
        expect(db.runnerFor()).toBe(ctx.engine());
        await Promise.all(
          Array.from({ length: 5 }, () =>
            db.transaction(async () => {
              await db.scalar('SELECT now()');
            }),
          ),
        );
        expect(db.runnerFor()).toBe(ctx.engine());
      },
      () => db.acquire(async () => undefined),
    );
  });
}
