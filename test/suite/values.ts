/**
 * The value table of docs/guides/models-and-types.md: every column type written and read back, with the JavaScript values
 * asserted exactly. The same expectations run on every adapter, so they are identical on all.
 */
import { beforeAll, describe, expect } from 'vitest';
import { InvalidRequestError } from '../../src/index.js';
import { type SuiteContext, suiteTest, withCapability } from './harness.js';

export const SAMPLE_BYTES = new Uint8Array([0, 1, 2, 127, 128, 255]);

export function valuesSuite(ctx: SuiteContext): void {
  describe('values of every type (the value table of the models guide)', () => {
    const { db } = ctx;
    class Sample extends db.Model({
      __tablename__: 'value_samples',
      id: db.Column(db.Integer(), { primaryKey: true }),
      int: db.Column(db.Integer()),
      small: db.Column(db.SmallInteger()),
      big: db.Column(db.BigInteger()),
      bigNumber: db.Column(db.BigInteger({ mode: 'number' })),
      bigString: db.Column(db.BigInteger({ mode: 'string' })),
      numeric: db.Column(db.Numeric(20, 6)),
      float: db.Column(db.Float()),
      real: db.Column(db.Real()),
      bool: db.Column(db.Boolean()),
      string: db.Column(db.String(40)),
      unicode: db.Column(db.Unicode()),
      text: db.Column(db.Text()),
      uuid: db.Column(db.UUID()),
      mood: db.Column(db.Enum('sample_mood', ['ok', 'meh'] as const)),
      time: db.Column(db.Time()),
      interval: db.Column(db.Interval()),
      date: db.Column(db.Date()),
      stamp: db.Column(db.DateTime()),
      stamptz: db.Column(db.DateTime({ timezone: true })),
      json: db.Column(db.JSON()),
      jsonb: db.Column(db.JSONB()),
      bytes: db.Column(db.LargeBinary()),
      ints: db.Column(db.ARRAY(db.Integer())),
      texts: db.Column(db.ARRAY(db.Text())),
      moods: db.Column(db.ARRAY(db.Enum('sample_mood', ['ok', 'meh'] as const))),
      stamps: db.Column(db.ARRAY(db.DateTime({ timezone: true }))),
    }) {}

    beforeAll(async () => {
      await db.gino.dropAll();
      await db.gino.createAll();
    });

    const instant = new Date('2024-02-29T23:59:58.123Z');
    const written = {
      int: -2147483648,
      small: 32767,
      big: 9007199254740993n,
      bigNumber: 9007199254740991,
      bigString: '-9223372036854775808',
      numeric: '12345678901234.123456',
      float: 0.1 + 0.2,
      real: 1.5,
      bool: false,
      string: 'it\'s "quoted" \\ back',
      unicode: 'żółw 🐢 中文',
      text: '$1 :name -- not a comment',
      uuid: '0b7e3c4a-8f7e-4c2a-9d7e-3b1f2a6c9d10',
      mood: 'meh' as const,
      time: '13:14:15.5',
      interval: '1 day 02:03:04',
      date: '2024-02-29',
      stamp: instant,
      stamptz: instant,
      json: { a: [1, 'two', null, { b: true }] },
      jsonb: ['x', { y: 1.25 }],
      bytes: SAMPLE_BYTES,
      ints: [1, null, -3] as number[],
      texts: ['a,b', '"q"', 'back\\slash', '', 'NULL', null] as string[],
      moods: ['ok', 'meh'] as ('ok' | 'meh')[],
      stamps: [instant],
    };

    suiteTest(ctx, 'every type round-trips to the same JavaScript value', async () => {
      const created = await Sample.create(written);
      const read = await Sample.get(created.id);
      const expected = { id: created.id, ...written };
      expect(created.toDict()).toEqual(expected);
      expect(read?.toDict()).toEqual(expected);
      expect(typeof read?.big).toBe('bigint');
      expect(read?.bytes).toBeInstanceOf(Uint8Array);
      expect(read?.stamp).toBeInstanceOf(Date);
      expect(read?.stamp?.toISOString()).toBe('2024-02-29T23:59:58.123Z');
    });

    suiteTest(ctx, 'timestamp without time zone reads as UTC whatever the session time zone', async () => {
      // One transaction on every adapter (one request on neon-http): SET LOCAL holds for the batch.
      const [, inserted, selected] = (await db.batch([
        "SET LOCAL TIME ZONE 'Asia/Kolkata'",
        Sample.insert().values({ text: 'tz batch', stamp: instant, stamptz: instant }).returning(),
        Sample.query.where(Sample.text.eq('tz batch')),
      ])) as [unknown, InstanceType<typeof Sample>[], InstanceType<typeof Sample>[]];
      for (const row of [inserted[0], selected[0]]) {
        expect(row?.stamp?.toISOString()).toBe(instant.toISOString());
        expect(row?.stamptz?.toISOString()).toBe(instant.toISOString());
      }
      await withCapability(ctx, 'transactions', () =>
        db.transaction(async () => {
          await db.status("SET LOCAL TIME ZONE 'Asia/Kolkata'");
          const s = await Sample.create({ stamp: instant, stamptz: instant });
          const back = await Sample.get(s.id);
          expect(back?.stamp?.toISOString()).toBe(instant.toISOString());
          expect(back?.stamptz?.toISOString()).toBe(instant.toISOString());
        }),
      );
    });

    suiteTest(ctx, 'nulls everywhere', async () => {
      const s = await Sample.create({});
      const back = await Sample.get(s.id);
      for (const key of Object.keys(written)) expect(back?.toDict()[key as keyof typeof written] ?? null).toBeNull();
    });

    suiteTest(ctx, 'a JavaScript null in a JSON column is JSON null; db.null is SQL NULL (as in GINO)', async () => {
      const jsonNull = await Sample.create({ json: null, jsonb: null });
      const sqlNull = await Sample.create({ json: db.null, jsonb: db.null });
      const kinds = await db.all<{ id: number; t: string | null }>(
        'SELECT id, jsonb_typeof(jsonb) AS t FROM value_samples WHERE id = ANY($1::int[]) ORDER BY id',
        [[jsonNull.id, sqlNull.id]],
      );
      expect(kinds).toEqual([
        { id: jsonNull.id, t: 'null' },
        { id: sqlNull.id, t: null },
      ]);
      expect((await Sample.get(jsonNull.id))?.jsonb).toBeNull();
      expect(await Sample.select('id').where(Sample.jsonb.isNull(), Sample.id.eq(sqlNull.id)).gino.scalar()).toBe(
        sqlNull.id,
      );
    });

    suiteTest(ctx, "timestamps at ±infinity read as the extreme Dates and are written back as 'infinity'", async () => {
      const s = await Sample.create({});
      await db.status("UPDATE value_samples SET stamp = 'infinity', stamptz = '-infinity' WHERE id = $1", [s.id]);
      const back = await Sample.get(s.id);
      expect(back?.stamp?.getTime()).toBe(8.64e15);
      expect(back?.stamptz?.getTime()).toBe(-8.64e15);
      await back?.update({ stamp: back.stamptz }).apply();
      expect(await db.scalar('SELECT stamp::text FROM value_samples WHERE id = $1', [s.id])).toBe('-infinity');
    });

    suiteTest(ctx, 'BigInteger mode number refuses values beyond 2^53 instead of rounding', async () => {
      const s = await Sample.create({ big: 2n ** 60n });
      await db.status('UPDATE value_samples SET "bigNumber" = big WHERE id = $1', [s.id]);
      await expect(Sample.get(s.id)).rejects.toThrow(/beyond 2\^53/);
    });

    suiteTest(ctx, 'wrong value types are refused before any I/O, naming the column', async () => {
      ctx.clearLog();
      await expect(Sample.create({ int: 'seven' as unknown as number })).rejects.toThrow(
        /value_samples\.int \(INTEGER\) cannot take the string "seven"/,
      );
      await expect(Sample.create({ int: 2 ** 31 })).rejects.toThrow(InvalidRequestError);
      await expect(Sample.create({ stamp: new Date('nope') })).rejects.toThrow(/value_samples\.stamp/);
      await expect(Sample.create({ mood: 'angry' as 'ok' })).rejects.toThrow(/one of "ok", "meh"/);
      await expect(Sample.create({ json: { f: 1n << 70n } })).rejects.toThrow(/JSON/);
      await expect(Sample.query.where(Sample.int.eq('x' as unknown as number)).gino.all()).rejects.toThrow(
        /value_samples\.int/,
      );
      expect(ctx.log).toHaveLength(0);
    });
  });
}
