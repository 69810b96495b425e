/**
 * node-postgres pool accounting: whatever a transaction, a cursor, an acquire or a timeout ends
 * with, its connection goes back to the pool (or is dropped when it broke), and concurrent
 * transactions each hold their own.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { pg as pgAdapter } from '../../adapters/pg/index.js';
import { ConnectionError, Gino, QueryTimeoutError } from '../../src/index.js';

const onPglite = inject('databaseKind') === 'pglite';

describe.skipIf(onPglite)('pg pool accounting', () => {
  const pool = new pg.Pool({ connectionString: inject('databaseUrl'), max: 3 });
  const db = new Gino();
  class Slot extends db.Model({
    __tablename__: 'pool_slots',
    id: db.Column(db.Integer(), { primaryKey: true }),
  }) {}
  const settled = () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount });

  beforeAll(async () => {
    await db.setBind(pgAdapter({ pool }));
    await db.gino.dropAll();
    await db.gino.createAll();
    await Slot.insert()
      .values([{ id: 1 }, { id: 2 }, { id: 3 }])
      .gino.status();
  });
  afterAll(async () => {
    await db.gino.dropAll();
    await db.popBind().close();
    await pool.end();
  });

  test('every way out of a session gives the connection back', async () => {
    for (let i = 0; i < 5; i++) {
      await expect(db.transaction(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
      await expect(db.transaction(() => db.all('SELECT * FROM pool_nothing'))).rejects.toMatchObject({ code: '42P01' });
      await db.transaction(async (tx) => tx.raiseRollback());
      await expect(db.acquire(() => Promise.reject(new Error('y')))).rejects.toThrow('y');
      for await (const _ of Slot.query.gino.iterate({ prefetch: 1 })) break;
      await expect(
        (async () => {
          for await (const _ of db.iterate('SELECT 1/0')) break;
        })(),
      ).rejects.toMatchObject({ code: '22012' });
      await expect(db.func.pg_sleep(2).gino.timeout(50).scalar()).rejects.toBeInstanceOf(QueryTimeoutError);
      const tx = await db.begin();
      await tx.rollback();
    }
    const now = settled();
    expect(now.total).toBeLessThanOrEqual(3);
    expect(now.idle).toBe(now.total);
    expect(now.waiting).toBe(0);
  });

  test('concurrent transactions hold one connection each; the next one waits for a free one', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const holders = [1, 2, 3].map(() => db.transaction(() => gate));
    await expect.poll(() => pool.totalCount - pool.idleCount).toBe(3);
    let fourthRan = false;
    const fourth = db.transaction(async () => {
      fourthRan = true;
    });
    await expect.poll(() => pool.waitingCount).toBe(1);
    expect(fourthRan).toBe(false);
    release();
    await Promise.all([...holders, fourth]);
    expect(fourthRan).toBe(true);
    expect(settled()).toMatchObject({ waiting: 0, idle: pool.totalCount });
  });

  test('a connection that broke inside a transaction is dropped, not reused', async () => {
    const before = pool.totalCount;
    const error = await db
      .transaction(async () => {
        await db.status('SELECT pg_terminate_backend(pg_backend_pid())');
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(pool.totalCount).toBeLessThan(Math.max(before, 1) + 1);
    // Every later transaction gets a working connection.
    for (let i = 0; i < 4; i++) expect(await db.transaction(() => db.scalar('SELECT 1'))).toBe(1);
  });

  test('a second transaction skips rows the first one locked (FOR UPDATE SKIP LOCKED)', async () => {
    await db.transaction(async () => {
      await Slot.get(2, { forUpdate: true });
      const other = await db.transaction(() => Slot.query.orderBy(Slot.id).forUpdate({ skipLocked: true }).gino.all(), {
        bind: db.bind,
      });
      expect(other?.map((s) => s.id)).toEqual([1, 3]);
    });
  });

  test('single statements check a connection out and back in, also when they fail or the backend dies', async () => {
    for (let i = 0; i < 6; i++) {
      expect(await Slot.get(1)).toMatchObject({ id: 1 });
      await expect(db.all('SELECT * FROM pool_nothing')).rejects.toMatchObject({ code: '42P01' });
    }
    expect(await db.status('SELECT pg_terminate_backend(pg_backend_pid())').catch((e: unknown) => e)).toBeInstanceOf(
      ConnectionError,
    );
    const now = settled();
    expect(now.idle).toBe(now.total);
    expect(now.waiting).toBe(0);
    expect(await db.scalar('SELECT 1')).toBe(1);
  });
});

describe.skipIf(onPglite)('pg clients that are not pg.Client', () => {
  test('a pool handing out wrappers (query(config) only) gets query configs, rows and errors as usual', async () => {
    const real = new pg.Pool({ connectionString: inject('databaseUrl'), max: 1 });
    const seen: unknown[] = [];
    const wrapped = {
      query: (config: never) => real.query(config),
      connect: async () => {
        const client = await real.connect();
        return {
          query: (config: { text: string }) => {
            seen.push(config);
            return client.query(config as never);
          },
          release: (error?: Error | boolean) => client.release(error),
        };
      },
      end: () => real.end(),
    };
    const db = new Gino();
    await db.setBind(pgAdapter({ pool: wrapped as never }));
    try {
      expect(await db.all('SELECT $1::int AS n, $2::text AS t', [7, 'x'])).toEqual([{ n: 7, t: 'x' }]);
      expect(await db.transaction(() => db.scalar('SELECT 2'))).toBe(2);
      await expect(db.all('SELECT * FROM pool_nothing')).rejects.toMatchObject({ code: '42P01' });
      expect(seen.length).toBeGreaterThan(0);
      for (const config of seen) expect(config).toMatchObject({ rowMode: 'array' });
    } finally {
      await db.popBind().close();
      await real.end();
    }
  });
});
