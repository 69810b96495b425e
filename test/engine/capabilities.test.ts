/**
 * An adapter without sessions, transactions, savepoints or cursors (what neon-http states),
 * simulated over a real PGlite by reducing the capabilities it reports. Every refusal is an
 * `UnsupportedError` naming the way out, thrown before the adapter is called at all; and the
 * shared suite files of issue 5 take their "unsupported" branch on it.
 */
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pglite } from '../../adapters/pglite/index.js';
import type { Adapter, BatchOptions, DriverQuery, DriverResult } from '../../src/index.js';
import { Gino, UnsupportedError } from '../../src/index.js';
import { runSharedSuite } from '../suite/index.js';

/** A real adapter reporting neon-http's capabilities; `batch` runs in one transaction, as neon's does. */
function httpLike(real: Adapter, calls: string[]): Adapter {
  const connect = real.connect?.bind(real);
  if (!connect) throw new Error('the wrapped adapter needs sessions to emulate a batch');
  return {
    name: 'sim-http',
    capabilities: {
      sessions: false,
      transactions: false,
      savepoints: false,
      cursors: false,
      nativeBatch: true,
      timeouts: true,
    },
    query: (q: DriverQuery) => {
      calls.push('query');
      return real.query(q);
    },
    batch: async (queries: readonly DriverQuery[], options: BatchOptions) => {
      calls.push('batch');
      const session = await connect();
      let sql = 'BEGIN';
      if (options.isolation) sql += ` ISOLATION LEVEL ${options.isolation.toUpperCase()}`;
      if (options.readOnly) sql += ' READ ONLY';
      try {
        await session.query({ sql, params: [] });
        const out: DriverResult[] = [];
        for (const q of queries) out.push(await session.query(q));
        await session.query({ sql: 'COMMIT', params: [] });
        return out;
      } catch (error) {
        await session.query({ sql: 'ROLLBACK', params: [] }).catch(() => undefined);
        throw error;
      } finally {
        await session.release();
      }
    },
    close: () => real.close(),
  };
}

describe('an adapter without sessions (neon-http capabilities)', () => {
  let instance: PGlite;
  const calls: string[] = [];
  const db = new Gino();
  class Thing extends db.Model({
    __tablename__: 'cap_things',
    id: db.Column(db.Integer(), { primaryKey: true }),
  }) {}

  beforeAll(async () => {
    instance = await PGlite.create();
    await db.setBind(httpLike(pglite(instance), calls));
    await db.gino.createAll();
  });
  afterAll(async () => {
    await db.popBind().close();
    await instance.close();
  });

  const refused = async (attempt: () => unknown, way: RegExp) => {
    calls.length = 0;
    const error = await (async () => {
      const value = attempt();
      if (value && typeof value === 'object' && Symbol.asyncIterator in value) {
        for await (const _ of value as AsyncIterable<unknown>) break;
      } else await value;
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnsupportedError);
    expect((error as Error).message).toMatch(/the sim-http adapter cannot/);
    expect((error as Error).message).toMatch(way);
    expect(calls).toEqual([]);
  };

  test('interactive transactions, manual ones, connections and cursors are refused before any I/O', async () => {
    await refused(() => db.transaction(async () => undefined), /db\.batch/);
    await refused(() => db.transaction(async () => undefined, { isolation: 'serializable' }), /no transactions/);
    await refused(() => db.begin(), /no transactions/);
    await refused(() => db.acquire(async () => undefined), /no sessions/);
    await refused(() => db.bind.connect(), /no sessions/);
    await refused(() => Thing.query.gino.iterate(), /limit\/offset/);
    await refused(() => db.iterate('SELECT 1'), /no cursors/);
  });

  test('what it can do still works: queries, batches, DDL, timeouts through a batch', async () => {
    calls.length = 0;
    await Thing.create({ id: 1 });
    const [rows, count] = await db.batch([Thing.query, db.select([db.func.count(Thing.id)])]);
    expect(rows[0]).toBeInstanceOf(Thing);
    expect(count).toEqual([{ count_1: 1 }]);
    expect(await Thing.query.gino.timeout(1000).all()).toHaveLength(1);
    expect(calls).toEqual(['query', 'batch', 'batch']);
  });
});

let simInstance: PGlite | undefined;
const SIM_NO_TIMEOUTS = 'the simulation runs on PGlite, where statement_timeout never cancels a statement';

runSharedSuite(
  {
    name: 'sim-http (PGlite reporting neon-http capabilities)',
    bind: async () => {
      simInstance ??= await PGlite.create();
      return { bind: httpLike(pglite(simInstance), []) };
    },
    skip: { 'timeout(ms) cancels a slow statement on the server; the engine works afterwards': SIM_NO_TIMEOUTS },
    teardown: async () => {
      await simInstance?.close();
    },
  },
  ['transactions', 'batch', 'cursors', 'connections', 'loaders', 'json', 'modelApi'],
);

describe('an adapter that cannot interrupt a statement (PGlite)', () => {
  test('timeout(ms) is refused before any I/O, saying why and what to do', async () => {
    const instance = await PGlite.create();
    const { Gino } = await import('../../src/index.js');
    const log: string[] = [];
    const db = new Gino({ logger: (e) => log.push(e.sql) });
    await db.setBind(pglite(instance));
    try {
      await expect(
        db
          .select([db.literal(1).label('one')])
          .gino.timeout(100)
          .all(),
      ).rejects.toThrow(
        /cannot cancel a statement after a time limit \(no timeouts\); it runs statements to completion/,
      );
      expect(log).toEqual([]);
    } finally {
      await db.popBind().close();
      await instance.close();
    }
  });
});
