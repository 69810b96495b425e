/**
 * Server-side cursors (issue 5, item 3): `query.gino.iterate()` and `db.iterate()` as async
 * iterables, opening their own transaction when none is active (unlike GINO, #507), closing the
 * cursor (and its transaction and connection) when the loop is left early.
 */
import { beforeAll, describe, expect } from 'vitest';
import { DatabaseError, GinoError } from '../../src/index.js';
import { capabilityTest, idleInTransaction, type SuiteContext } from './harness.js';

export function cursorsSuite(ctx: SuiteContext): void {
  describe('cursors', () => {
    const { db } = ctx;
    class Row extends db.Model({
      __tablename__: 'cur_rows',
      id: db.Column(db.Integer(), { primaryKey: true }),
      label: db.Column(db.String(20), { nullable: false }),
    }) {
      shout(): string {
        return this.label.toUpperCase();
      }
    }
    const openCursors = () => db.scalar<number>("SELECT count(*)::int FROM pg_cursors WHERE name LIKE 'gino_cursor_%'");
    const txid = () => db.scalar<string>('SELECT txid_current()::text');
    const collect = async <T>(it: AsyncIterable<T>, stopAfter = Number.POSITIVE_INFINITY): Promise<T[]> => {
      const out: T[] = [];
      for await (const row of it) {
        out.push(row);
        if (out.length >= stopAfter) break;
      }
      return out;
    };

    beforeAll(async () => {
      await db.gino.dropAll();
      await db.gino.createAll();
      await Row.insert()
        .values(['a', 'b', 'c', 'd', 'e'].map((label) => ({ label })))
        .gino.status();
    });

    capabilityTest(
      ctx,
      'iterate() opens its own transaction and fetches prefetch rows at a time',
      'cursors',
      async () => {
        ctx.clearLog();
        const rows = await collect(Row.query.orderBy(Row.id).gino.iterate({ prefetch: 2 }));
        expect(rows.map((r) => (r instanceof Row ? r.shout() : r))).toEqual(['A', 'B', 'C', 'D', 'E']);
        const sql = ctx.sql();
        expect(sql[0]).toBe('BEGIN');
        expect(sql[1]).toMatch(
          /^DECLARE gino_cursor_\d+ NO SCROLL CURSOR FOR SELECT cur_rows\.id, cur_rows\.label FROM cur_rows ORDER BY cur_rows\.id$/,
        );
        expect(sql.filter((s) => s.startsWith('FETCH FORWARD 2 FROM'))).toHaveLength(3);
        expect(sql.slice(-2)).toEqual([expect.stringMatching(/^CLOSE gino_cursor_\d+$/), 'COMMIT']);
        expect(await idleInTransaction(ctx)).toBe(0);
      },
      () => Row.query.gino.iterate(),
    );

    capabilityTest(
      ctx,
      'leaving the loop early ends the cursor, its transaction and its connection',
      'cursors',
      async () => {
        ctx.clearLog();
        const rows = await collect(Row.query.orderBy(Row.id).gino.iterate({ prefetch: 2 }), 1);
        expect(rows.map((r) => r.label)).toEqual(['a']);
        expect(ctx.sql().at(-1)).toBe('COMMIT');
        expect(ctx.sql().filter((s) => s.startsWith('FETCH'))).toHaveLength(1);
        // The connection is back (PGlite has one: this would wait forever otherwise).
        expect(await db.scalar('SELECT 1')).toBe(1);
        expect(await idleInTransaction(ctx)).toBe(0);
        // A throw in the loop body leaves the same way.
        await expect(
          (async () => {
            for await (const _ of db.iterate(Row.query)) throw new Error('body');
          })(),
        ).rejects.toThrow('body');
        expect(ctx.sql().at(-1)).toBe('COMMIT');
        expect(await idleInTransaction(ctx)).toBe(0);
      },
      () => db.iterate(Row.query),
    );

    capabilityTest(
      ctx,
      'inside a transaction the cursor lives in it; breaking out closes it there',
      'cursors',
      async () => {
        ctx.clearLog();
        await db
          .transaction(async () => {
            const outer = await txid();
            const seen: (string | null)[] = [];
            for await (const row of Row.query.orderBy(Row.id).gino.iterate({ prefetch: 2 })) {
              // The loop body runs in the same transaction, between fetches.
              seen.push(await txid());
              await row.update({ label: `${row.label}!` }).apply();
              if (row.label === 'c!') break;
            }
            expect(seen).toEqual([outer, outer, outer]);
            expect(await openCursors()).toBe(0);
            expect(ctx.sql().filter((s) => s === 'BEGIN')).toHaveLength(1);
            expect(await Row.select('label').orderBy(Row.id).gino.all()).toEqual([
              { label: 'a!' },
              { label: 'b!' },
              { label: 'c!' },
              { label: 'd' },
              { label: 'e' },
            ]);
            // Read to the end, also closed.
            expect(await collect(db.iterate(Row.query))).toHaveLength(5);
            expect(await openCursors()).toBe(0);
            throw new Error('roll back');
          })
          .catch((e: Error) => expect(e.message).toBe('roll back'));
        expect(await Row.select('label').where(Row.label.like('%!')).gino.all()).toEqual([]);
      },
      () => db.iterate(Row.query),
    );

    capabilityTest(
      ctx,
      'inside acquire() the cursor uses that connection',
      'cursors',
      async () => {
        await db.acquire(async () => {
          const pid = await db.scalar('SELECT pg_backend_pid()');
          const pids: unknown[] = [];
          for await (const _ of Row.query.gino.iterate({ prefetch: 1 }))
            pids.push(await db.scalar('SELECT pg_backend_pid()'));
          expect(pids).toEqual(Array(5).fill(pid));
        });
        expect(await idleInTransaction(ctx)).toBe(0);
      },
      () => db.iterate(Row.query),
    );

    capabilityTest(
      ctx,
      'db.iterate over SQL with parameters, plain rows; errors roll the cursor back',
      'cursors',
      async () => {
        const rows = await collect(
          db.iterate<{ label: string }>('SELECT label FROM cur_rows WHERE id > $1 ORDER BY id', {
            params: [3],
            prefetch: 1,
          }),
        );
        expect(rows.map((r) => r.label)).toEqual(['d', 'e']);
        const selected = await collect(db.select([Row.label]).where(Row.id.le(2)).orderBy(Row.id).gino.iterate());
        expect(selected).toEqual([{ label: 'a' }, { label: 'b' }]);
        ctx.clearLog();
        const failed = await collect(db.iterate('SELECT * FROM cur_no_such_table')).catch((e: unknown) => e);
        expect(failed).toBeInstanceOf(DatabaseError);
        expect(ctx.sql().at(-1)).toBe('ROLLBACK');
        await expect(collect(db.iterate(Row.query, { prefetch: 0 }))).rejects.toBeInstanceOf(GinoError);
        expect(await db.scalar('SELECT 1')).toBe(1);
        expect(await idleInTransaction(ctx)).toBe(0);
      },
      () => db.iterate('SELECT 1'),
    );
  });
}
