/** The shared suite on embedded PGlite (`pglite://memory`), one instance for the whole file. */
import { PGlite } from '@electric-sql/pglite';
import { describe, expect, test } from 'vitest';
import { pglite } from '../../adapters/pglite/index.js';
import { ConnectionError, Gino, InvalidRequestError } from '../../src/index.js';
import { runSharedSuite } from '../suite/index.js';

let instance: PGlite | undefined;

// Before the shared suite, whose teardown closes the instance.
describe('pglite: one connection', () => {
  test('a statement on the engine inside an open iterate() fails with ConnectionError, not a hang', async () => {
    instance ??= await PGlite.create();
    const db = new Gino();
    await db.setBind(pglite(instance, { connectionTimeoutMillis: 300 }));
    try {
      const started = Date.now();
      let caught: unknown;
      for await (const _ of db.iterate('SELECT generate_series(1, 3) AS n')) {
        caught = await db.scalar('SELECT 1').catch((e: unknown) => e);
        break;
      }
      expect(caught).toBeInstanceOf(ConnectionError);
      expect((caught as Error).message).toMatch(/only connection.*\{ bind: tx \}/);
      expect(Date.now() - started).toBeLessThan(5000);
      // The connection works afterwards; inside a transaction, statements run on it.
      expect(await db.scalar('SELECT 2')).toBe(2);
      const seen: unknown[] = [];
      await db.transaction(async () => {
        for await (const row of db.iterate('SELECT generate_series(1, 2) AS n')) {
          seen.push([row, await db.scalar('SELECT 3')]);
        }
      });
      expect(seen).toEqual([
        [{ n: 1 }, 3],
        [{ n: 2 }, 3],
      ]);
    } finally {
      await db.popBind().close();
    }
  });

  test('the one connection serves sessions, scripts and statements in call order', async () => {
    instance ??= await PGlite.create();
    const adapter = pglite(instance);
    await adapter.query({ sql: 'SELECT 1', params: [] });
    if (!adapter.connect || !adapter.script) throw new Error('the pglite adapter has sessions and scripts');
    const order: string[] = [];
    // None awaited before the next is called: a statement must not pass a session asked for first.
    const session = adapter.connect().then(async (s) => {
      order.push('session');
      const r = await s.query({ sql: 'SELECT 2 AS n', params: [] });
      order.push(`session read ${String(r.rows[0]?.[0])}`);
      await s.release();
    });
    const statement = adapter.query({ sql: 'SELECT 3 AS n', params: [] }).then((r) => {
      order.push(`statement read ${String(r.rows[0]?.[0])}`);
    });
    const script = adapter.script('SELECT 4').then(() => order.push('script'));
    const last = adapter.query({ sql: 'SELECT 5 AS n', params: [] }).then((r) => {
      order.push(`statement read ${String(r.rows[0]?.[0])}`);
    });
    await Promise.all([session, statement, script, last]);
    expect(order).toEqual(['session', 'session read 2', 'statement read 3', 'script', 'statement read 5']);
  });

  test('connectionTimeoutMillis takes a number of milliseconds', async () => {
    instance ??= await PGlite.create();
    expect(() => pglite(instance as PGlite, { connectionTimeoutMillis: -1 })).toThrow(InvalidRequestError);
    expect(() => pglite(instance as PGlite, { connectionTimeoutMillis: '5' as never })).toThrow(/milliseconds/);
  });
});

runSharedSuite({
  name: 'pglite',
  bind: async () => {
    instance ??= await PGlite.create();
    return { bind: pglite(instance) };
  },
  // One connection: sessions cannot overlap. timeout(ms) is refused (capability `timeouts`): checked on
  // PGlite 0.5, `SET LOCAL statement_timeout = 100` then `SELECT pg_sleep(1)` completes after 1 s.
  concurrentSessions: false,
  skip: {},
  teardown: async () => {
    await instance?.close();
  },
});
