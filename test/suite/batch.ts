/**
 * Batches (issue 5, item 2): `db.batch([...], options)` runs statements atomically and returns
 * each one's rows, in order, shaped by its own loader.
 */
import { beforeAll, beforeEach, describe, expect } from 'vitest';
import { DatabaseError, InvalidRequestError } from '../../src/index.js';
import { capabilityTest, type SuiteContext, suiteTest } from './harness.js';

export function batchSuite(ctx: SuiteContext): void {
  describe('batch', () => {
    const { db } = ctx;
    class Entry extends db.Model({
      __tablename__: 'batch_entries',
      id: db.Column(db.Integer(), { primaryKey: true }),
      code: db.Column(db.String(20), { nullable: false, unique: true }),
    }) {
      get tag(): string {
        return `#${this.code}`;
      }
    }
    const codes = async () => (await Entry.query.orderBy(Entry.id).gino.all()).map((e) => e.code);

    beforeAll(async () => {
      await db.gino.dropAll();
      await db.gino.createAll();
    });
    beforeEach(async () => {
      await Entry.delete.gino.status();
      ctx.clearLog();
    });

    suiteTest(ctx, 'results come back in order, each shaped by its statement', async () => {
      const [inserted, all, plain, counted, text] = await db.batch([
        Entry.insert()
          .values([{ code: 'a' }, { code: 'b' }])
          .returning(),
        Entry.query.orderBy(Entry.id),
        db.select([Entry.code]).orderBy(Entry.code.desc()),
        db.select([db.func.count(Entry.id)]),
        db.text('SELECT :x::int AS x', { x: 7 }),
      ]);
      expect(inserted.map((e) => (e instanceof Entry ? e.tag : e))).toEqual(['#a', '#b']);
      expect(all[1]).toBeInstanceOf(Entry);
      expect(all.map((e) => e.code)).toEqual(['a', 'b']);
      expect(plain).toEqual([{ code: 'b' }, { code: 'a' }]);
      expect(counted).toEqual([{ count_1: 2 }]);
      expect(text).toEqual([{ x: 7 }]);
      if (!ctx.capabilities().nativeBatch) {
        expect(ctx.sql()[0]).toBe('BEGIN');
        expect(ctx.sql().at(-1)).toBe('COMMIT');
      }
    });

    suiteTest(ctx, 'a failing statement rolls back the ones before it', async () => {
      const error = await db
        .batch([
          Entry.insert().values({ code: 'x' }),
          Entry.insert().values({ code: 'y' }),
          Entry.insert().values({ code: 'x' }),
        ])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseError);
      expect(error).toMatchObject({ code: '23505' });
      expect(await codes()).toEqual([]);
      expect(await db.batch([])).toEqual([]);
    });

    suiteTest(ctx, 'isolation and readOnly are honoured', async () => {
      const [iso, ro] = await db.batch([db.text('SHOW transaction_isolation'), db.text('SHOW transaction_read_only')], {
        isolation: 'serializable',
        readOnly: true,
      });
      expect(iso).toEqual([{ transaction_isolation: 'serializable' }]);
      expect(ro).toEqual([{ transaction_read_only: 'on' }]);
      await expect(db.batch([Entry.insert().values({ code: 'ro' })], { readOnly: true })).rejects.toMatchObject({
        code: '25006',
      });
      expect(await codes()).toEqual([]);
    });

    capabilityTest(
      ctx,
      'inside a transaction a batch is a savepoint: it fails alone',
      'savepoints',
      async () => {
        await db.transaction(async () => {
          await Entry.create({ code: 'before' });
          await expect(
            db.batch([Entry.insert().values({ code: 'in batch' }), Entry.insert().values({ code: 'before' })]),
          ).rejects.toMatchObject({ code: '23505' });
          const [rows] = await db.batch([Entry.insert().values({ code: 'batched' }).returning()]);
          expect(rows[0]?.code).toBe('batched');
          await expect(db.batch([Entry.query], { readOnly: true })).rejects.toBeInstanceOf(InvalidRequestError);
        });
        expect(await codes()).toEqual(['before', 'batched']);
      },
      () => db.transaction(() => db.batch([Entry.query])),
    );
  });
}
