/**
 * Batches, transactions, savepoints, held connections and cursors. Batches run everywhere; the
 * rest where the adapter has the capability, and elsewhere must fail with `UnsupportedError`
 * before any I/O (neon-http).
 */
import { beforeAll, beforeEach, describe, expect } from 'vitest';
import { DatabaseError } from '../../src/index.js';
import { type SuiteContext, suiteTest, withCapability } from './harness.js';

export function sessionsSuite(ctx: SuiteContext): void {
  describe('batches, transactions, sessions, cursors', () => {
    const { db } = ctx;
    class Item extends db.Model({
      __tablename__: 'session_items',
      id: db.Column(db.Integer(), { primaryKey: true }),
      label: db.Column(db.String(40), { unique: true, nullable: false }),
      n: db.Column(db.Integer(), { nullable: false, default: 0 }),
    }) {}

    const labels = async () => (await Item.query.orderBy(Item.id).gino.all()).map((i) => i.label);

    beforeAll(async () => {
      await db.gino.dropAll();
      await db.gino.createAll();
    });
    beforeEach(async () => {
      await Item.delete.gino.status();
    });

    suiteTest(ctx, 'db.batch runs statements atomically and returns their rows in order', async () => {
      ctx.clearLog();
      const [created, count, updated, selected] = (await db.batch([
        Item.insert()
          .values([{ label: 'a' }, { label: 'b' }])
          .returning(),
        db.select([db.func.count(Item.id)]),
        Item.update.values({ n: 7 }).where(Item.label.eq('b')).returning(Item.n),
        "SELECT 'v'::text AS v",
      ])) as unknown as [Item[], { count_1: number }[], { n: number }[], unknown[]];
      expect(created.map((i) => i.label)).toEqual(['a', 'b']);
      expect(created[0]).toBeInstanceOf(Item);
      expect(count).toEqual([{ count_1: 2 }]);
      expect(updated).toEqual([{ n: 7 }]);
      expect(selected).toEqual([{ v: 'v' }]);
      expect(ctx.sql().filter((s) => s.startsWith('INSERT'))).toHaveLength(1);

      const failing = db.batch([Item.insert().values({ label: 'c' }), Item.insert().values({ label: 'a' })]);
      await expect(failing).rejects.toBeInstanceOf(DatabaseError);
      await expect(failing).rejects.toMatchObject({ code: '23505' });
      expect(await labels()).toEqual(['a', 'b']);
    });

    suiteTest(ctx, 'db.batch options: isolation level and read-only', async () => {
      const [[level]] = (await db.batch(["SELECT current_setting('transaction_isolation') AS level"], {
        isolation: 'serializable',
      })) as [[{ level: string }]];
      expect(level.level).toBe('serializable');
      await expect(db.batch([Item.insert().values({ label: 'ro' })], { readOnly: true })).rejects.toMatchObject({
        name: 'DatabaseError',
        code: '25006',
      });
      expect(await db.batch([])).toEqual([]);
    });

    suiteTest(ctx, 'transactions commit, roll back, and nest as savepoints', async () => {
      await withCapability(ctx, 'transactions', async () => {
        await db.transaction(async () => {
          await Item.create({ label: 'kept' });
        });
        await expect(
          db.transaction(async () => {
            await Item.create({ label: 'undone' });
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');
        await db.transaction(async (outer) => {
          await Item.create({ label: 'outer' });
          await db.transaction(async (inner) => {
            expect(inner.savepoint).toBeDefined();
            await Item.create({ label: 'inner' });
            inner.raiseRollback();
          });
          await db.transaction(async () => {
            await Item.create({ label: 'inner kept' });
          });
          expect(outer.savepoint).toBeUndefined();
        });
        expect(ctx.sql()).toContain('ROLLBACK TO SAVEPOINT gino_sp_1');
        expect(await labels()).toEqual(['kept', 'outer', 'inner kept']);
      });
    });

    suiteTest(ctx, 'explicit { bind: tx } and transaction options', async () => {
      await withCapability(ctx, 'transactions', async () => {
        const level = await db.transaction(
          async (tx) => {
            await Item.create({ label: 'via tx' }, { bind: tx });
            return tx.scalar("SELECT current_setting('transaction_isolation')");
          },
          { isolation: 'repeatable read' },
        );
        expect(level).toBe('repeatable read');
        expect(await labels()).toEqual(['via tx']);
      });
    });

    suiteTest(ctx, 'db.acquire holds one connection for several statements', async () => {
      await withCapability(ctx, 'sessions', () =>
        db.acquire(async (conn) => {
          await conn.status("SET application_name = 'gino held'");
          expect(await conn.scalar("SELECT current_setting('application_name')")).toBe('gino held');
          expect(await conn.scalar('SELECT 1')).toBe(1);
        }),
      );
    });

    suiteTest(ctx, 'iterate() reads through a server-side cursor, prefetch rows at a time', async () => {
      await Item.insert()
        .values(Array.from({ length: 25 }, (_, i) => ({ label: `it${String(i).padStart(2, '0')}`, n: i })))
        .gino.status();
      await withCapability(
        ctx,
        'cursors',
        async () => {
          ctx.clearLog();
          const seen: string[] = [];
          for await (const item of Item.query.orderBy(Item.id).gino.iterate({ prefetch: 10 })) {
            expect(item).toBeInstanceOf(Item);
            seen.push(item.label);
          }
          expect(seen).toHaveLength(25);
          expect(seen[24]).toBe('it24');
          expect(ctx.sql().filter((s) => s.startsWith('FETCH FORWARD 10 FROM'))).toHaveLength(3);
        },
        /all\(\)/,
      );
    });
  });
}
