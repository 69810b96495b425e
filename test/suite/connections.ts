/**
 * Connections (issue 5, item 4): `db.acquire(fn)` for a dedicated connection, and
 * `.gino.timeout(ms)` cancelling a statement on the server (`QueryTimeoutError`) on a plain
 * engine, inside a transaction and inside acquire, the binding working afterwards.
 */
import { beforeAll, describe, expect } from 'vitest';
import { GinoError, QueryTimeoutError } from '../../src/index.js';
import { capabilityTest, expectUnsupported, idleInTransaction, type SuiteContext } from './harness.js';

export function connectionsSuite(ctx: SuiteContext): void {
  describe('connections and timeouts', () => {
    const { db } = ctx;
    class Tick extends db.Model({
      __tablename__: 'conn_ticks',
      id: db.Column(db.Integer(), { primaryKey: true }),
      note: db.Column(db.Text(), { nullable: false }),
    }) {}
    const pid = () => db.scalar<number>('SELECT pg_backend_pid()');
    const sleep = (seconds: number) => db.func.pg_sleep(seconds);
    /** The statement and how long it took before it was refused. */
    const timed = async (p: Promise<unknown>): Promise<[unknown, number]> => {
      const start = Date.now();
      const error = await p.then(
        () => undefined,
        (e: unknown) => e,
      );
      return [error, Date.now() - start];
    };

    beforeAll(async () => {
      await db.gino.dropAll();
      await db.gino.createAll();
    });

    capabilityTest(
      ctx,
      'acquire() holds one connection: used implicitly inside, and with { bind: conn }',
      'sessions',
      async () => {
        const seen = await db.acquire(async (conn) => {
          const mine = await pid();
          // Session state (a temporary table) lasts across statements: same session.
          await db.status('CREATE TEMPORARY TABLE conn_scratch (v int)');
          await db.status('INSERT INTO conn_scratch VALUES (1), (2)');
          expect(await db.scalar('SELECT sum(v)::int FROM conn_scratch')).toBe(3);
          expect(await db.scalar('SELECT count(*)::int FROM conn_scratch', [], { bind: conn })).toBe(2);
          expect(await conn.scalar('SELECT pg_backend_pid()')).toBe(mine);
          const parallel = await Promise.all(Array.from({ length: 10 }, () => pid()));
          // A transaction inside acquire() runs on the same connection.
          await db.transaction(async () => expect(await pid()).toBe(mine));
          await db.status('DROP TABLE conn_scratch');
          return [mine, ...parallel];
        });
        expect(new Set(seen).size).toBe(1);
        await expect(db.acquire(async () => Promise.reject(new Error('inside')))).rejects.toThrow('inside');
        expect(await idleInTransaction(ctx)).toBe(0);
        expect(await db.scalar('SELECT 1')).toBe(1);
      },
      () => db.acquire(async () => undefined),
    );

    const timeoutAttempt = () => sleep(0).gino.timeout(150).scalar();

    capabilityTest(
      ctx,
      'timeout(ms) cancels a slow statement on the server; the engine works afterwards',
      'timeouts',
      async () => {
        const [error, ms] = await timed(sleep(5).gino.timeout(150).scalar());
        expect(error).toBeInstanceOf(QueryTimeoutError);
        expect((error as QueryTimeoutError).message).toMatch(/timeout of 150 ms/);
        expect(ms).toBeLessThan(3000);
        expect(await db.scalar('SELECT 1')).toBe(1);
        expect(await db.scalar('SHOW statement_timeout')).toBe('0');
        // A statement within its limit just runs.
        expect(
          await db
            .select([db.cast(5, db.Integer()).label('five')])
            .gino.timeout(2000)
            .scalar(),
        ).toBe(5);
        expect(await Tick.query.gino.timeout(2000).all()).toEqual([]);
        await expect(Tick.query.gino.timeout(0).all()).rejects.toBeInstanceOf(GinoError);
        await expect(Tick.query.gino.timeout(1.5).all()).rejects.toThrow(/positive whole number/);
      },
      timeoutAttempt,
    );

    capabilityTest(
      ctx,
      'timeout inside a transaction: the statement alone is undone, the earlier limit restored',
      'timeouts',
      async () => {
        if (!ctx.capabilities().transactions) {
          await expectUnsupported(ctx, () => db.transaction(async () => undefined));
          return;
        }
        await db.transaction(async () => {
          await db.status("SET LOCAL statement_timeout = '9s'");
          await Tick.create({ note: 'before' });
          const [error] = await timed(sleep(5).gino.timeout(150).scalar());
          expect(error).toBeInstanceOf(QueryTimeoutError);
          expect(await db.scalar('SHOW statement_timeout')).toBe('9s');
          // Where there are savepoints the transaction goes on.
          if (ctx.capabilities().savepoints) await Tick.create({ note: 'after' });
          expect(await sleep(0).gino.timeout(1000).scalar()).toBe('');
          expect(await db.scalar('SHOW statement_timeout')).toBe('9s');
        });
        const notes = (await Tick.query.orderBy(Tick.id).gino.all()).map((t) => t.note);
        expect(notes).toEqual(ctx.capabilities().savepoints ? ['before', 'after'] : ['before']);
        await Tick.delete.gino.status();
      },
      timeoutAttempt,
    );

    capabilityTest(
      ctx,
      'timeout inside acquire(): same connection before and after, no limit left behind',
      'timeouts',
      async () => {
        if (!ctx.capabilities().sessions) {
          await expectUnsupported(ctx, () => db.acquire(async () => undefined));
          return;
        }
        await db.acquire(async () => {
          const mine = await pid();
          const [error] = await timed(sleep(5).gino.timeout(150).scalar());
          expect(error).toBeInstanceOf(QueryTimeoutError);
          expect(await pid()).toBe(mine);
          expect(await db.scalar('SHOW statement_timeout')).toBe('0');
          expect(await Tick.query.gino.timeout(1000).all()).toEqual([]);
        });
        expect(await idleInTransaction(ctx)).toBe(0);
      },
      timeoutAttempt,
    );

    capabilityTest(
      ctx,
      'timeout(ms) applies to a cursor: iterate() is cancelled by the limit',
      'timeouts',
      async () => {
        const slow = db.select([sleep(5).label('slept')]);
        if (!ctx.capabilities().cursors) {
          await expectUnsupported(ctx, () => slow.gino.timeout(150).iterate());
          return;
        }
        const [error] = await timed(
          (async () => {
            for await (const _ of slow.gino.timeout(150).iterate()) break;
          })(),
        );
        expect(error).toBeInstanceOf(QueryTimeoutError);
        expect(await db.scalar('SHOW statement_timeout')).toBe('0');
        const rows: unknown[] = [];
        for await (const row of Tick.query.gino.timeout(2000).iterate()) rows.push(row);
        expect(rows).toEqual([]);
        // In the caller's transaction, its own limit comes back however the loop ends.
        await db.transaction(async () => {
          await db.status('SET LOCAL statement_timeout = 7000');
          for await (const _ of db
            .select([db.func.generate_series(db.cast(1, db.Integer()), db.cast(3, db.Integer()))])
            .gino.timeout(2000)
            .iterate())
            break;
          expect(await db.scalar('SHOW statement_timeout')).toBe('7s');
          for await (const _ of db
            .select([db.func.generate_series(db.cast(1, db.Integer()), db.cast(3, db.Integer()))])
            .gino.timeout(2000)
            .iterate());
          expect(await db.scalar('SHOW statement_timeout')).toBe('7s');
        });
      },
      timeoutAttempt,
    );
  });
}
