/**
 * Property-based fidelity and injection tests (fast-check, bounded): random values written through
 * create / update / where come back identical; random identifiers compile to SQL PostgreSQL accepts;
 * no value ever changes the shape of a statement.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect } from 'vitest';
import { Gino, InvalidRequestError } from '../../src/index.js';
import { type SuiteContext, suiteTest } from './harness.js';

const RUNS = Number(process.env.GINO_FC_RUNS ?? 40);

/** Strings PostgreSQL text can hold (no NUL), biased towards quoting trouble. */
const nasty = fc
  .oneof(
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({
      unit: fc.constantFrom("'", '"', '\\', '$', '1', ':', 'a', ';', '-', ' ', '\n', '{', '}', ',', 'NULL', 'E'),
      maxLength: 30,
    }),
    fc.constantFrom(
      "'; DROP TABLE fuzz; --",
      '$1',
      ':name',
      '\\x00',
      'NULL',
      '{}',
      '{"a",NULL}',
      "E'\\\\'",
      '🐢'.repeat(50),
    ),
    fc.string({ unit: 'binary', minLength: 1000, maxLength: 5000 }),
  )
  .map((s) => s.replace(/\0/g, ''));

/** Finite doubles; -0 is written as 0 by PostgreSQL's float8 output, so compare with Object.is-free equality. */
const double = fc.double({ noNaN: false }).map((d) => (Object.is(d, -0) ? 0 : d));

export const fidelityCounters = { cases: 0 };

export function fidelitySuite(ctx: SuiteContext): void {
  describe('fidelity and injection (property-based)', () => {
    const { db } = ctx;
    class Fuzz extends db.Model({
      __tablename__: 'fuzz',
      id: db.Column(db.Integer(), { primaryKey: true }),
      text: db.Column(db.Text()),
      int: db.Column(db.Integer()),
      big: db.Column(db.BigInteger()),
      num: db.Column(db.Float()),
      json: db.Column(db.JSON()),
      jsonb: db.Column(db.JSONB()),
      bytes: db.Column(db.LargeBinary()),
      texts: db.Column(db.ARRAY(db.Text())),
    }) {}

    beforeAll(async () => {
      await db.gino.dropAll();
      await db.gino.createAll();
    });

    suiteTest(ctx, 'random values round-trip through create, where and update', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            text: nasty,
            int: fc.integer({ min: -2147483648, max: 2147483647 }),
            big: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
            num: double,
            json: fc.jsonValue({ maxDepth: 4 }),
            jsonb: fc.jsonValue({ maxDepth: 3 }),
            bytes: fc.uint8Array({ maxLength: 300 }),
            texts: fc.array(fc.option(nasty, { nil: null }), { maxLength: 6 }),
          }),
          nasty,
          async (values, replacement) => {
            fidelityCounters.cases++;
            const normal = {
              ...values,
              json: JSON.parse(JSON.stringify(values.json)),
              jsonb: JSON.parse(JSON.stringify(values.jsonb)),
            };
            const row = await Fuzz.create(values as never);
            const found = await Fuzz.query.where(Fuzz.text.eq(values.text), Fuzz.id.eq(row.id)).gino.one();
            const got = found.toDict();
            expect(got.text).toBe(normal.text);
            expect(got.int).toBe(normal.int);
            expect(got.big).toBe(normal.big);
            expect(Object.is(got.num, normal.num) || got.num === normal.num).toBe(true);
            expect(got.json).toEqual(normal.json);
            expect(got.jsonb).toEqual(normal.jsonb);
            expect(got.bytes).toEqual(normal.bytes);
            expect(got.texts).toEqual(normal.texts);
            await found.update({ text: replacement }).apply();
            expect(await Fuzz.select('text').where(Fuzz.id.eq(row.id)).gino.scalar()).toBe(replacement);
            expect(await Fuzz.select('id').where(Fuzz.text.eq(replacement), Fuzz.id.eq(row.id)).gino.scalar()).toBe(
              row.id,
            );
            expect(await db.scalar(db.select([db.literal(replacement).label('v')]))).toBe(replacement);
          },
        ),
        { numRuns: RUNS },
      );
      expect(await db.scalar('SELECT count(*)::int FROM fuzz')).toBeGreaterThan(0);
    });

    suiteTest(ctx, 'a NUL character is refused with a clear error', async () => {
      await expect(Fuzz.create({ text: 'a\0b' })).rejects.toMatchObject({ name: expect.stringMatching(/Error/) });
      await expect(Fuzz.create({ text: 'a\0b' })).rejects.toThrow(/NUL|0x00/);
      expect(await db.scalar('SELECT 1')).toBe(1);
    });

    suiteTest(ctx, 'no value changes the shape of a statement', async () => {
      fc.assert(
        // eq(null) is IS NULL by design (as in SQLAlchemy); every other value stays a parameter.
        fc.property(
          nasty,
          fc.jsonValue().filter((v) => v !== null),
          fc.integer(),
          (s, j, i) => {
            const a = Fuzz.query.where(Fuzz.text.eq(s), Fuzz.json.eq(j as never), Fuzz.int.lt(i)).compile();
            const b = Fuzz.query.where(Fuzz.text.eq('x'), Fuzz.json.eq({}), Fuzz.int.lt(0)).compile();
            expect(a.sql).toBe(b.sql);
            expect(a.params).toEqual([s, j, i]);
          },
        ),
        { numRuns: RUNS * 5 },
      );
    });

    suiteTest(ctx, 'random identifiers as table and column names compile to SQL PostgreSQL accepts', async () => {
      const ident = fc
        .string({
          unit: fc.constantFrom('a', 'Z', '_', ' ', '"', "'", '$', '1', 'ł', '🐢', '-', '.', ';'),
          minLength: 1,
          maxLength: 12,
        })
        .filter((s) => new TextEncoder().encode(s).length <= 60 && s.trim() === s && s.length > 0);
      const reserved = fc.constantFrom('select', 'user', 'order', 'table', 'from', 'group', 'Default', 'NULL');
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(ident, reserved),
          fc.uniqueArray(fc.oneof(ident, reserved), { minLength: 1, maxLength: 3 }),
          fc.string(),
          async (table, cols, value) => {
            fidelityCounters.cases++;
            const local = new Gino();
            const def: Record<string, unknown> = {
              __tablename__: `fz ${table}`,
              pk: local.Column(local.Integer(), { primaryKey: true, name: `id ${table}` }),
            };
            cols.forEach((c, i) => {
              def[`c${i}`] = local.Column(local.Text(), { name: c, index: i === 0 });
            });
            const M = local.Model(def) as unknown as {
              create(v: Record<string, unknown>, o: { bind: unknown }): Promise<Record<string, unknown>>;
              query: { where(e: unknown): { gino: { all(o: { bind: unknown }): Promise<Record<string, unknown>[]> } } };
              c: Record<string, { eq(v: unknown): unknown }>;
              gino: { create(o: { bind: unknown }): Promise<void>; drop(o: { bind: unknown }): Promise<void> };
            };
            const bind = ctx.engine();
            const clean = value.replace(/\0/g, '');
            await M.gino.drop({ bind });
            await M.gino.create({ bind });
            try {
              const row = await M.create({ c0: clean }, { bind });
              const rows = await M.query.where(M.c.c0?.eq(clean)).gino.all({ bind });
              expect(rows.map((r) => r.pk)).toEqual([row.pk]);
            } finally {
              await M.gino.drop({ bind });
            }
          },
        ),
        { numRuns: Math.max(10, Math.floor(RUNS / 2)) },
      );
    });

    suiteTest(ctx, 'values a column cannot hold are refused before any I/O', async () => {
      ctx.clearLog();
      await expect(Fuzz.create({ int: 1.5 })).rejects.toBeInstanceOf(InvalidRequestError);
      await expect(Fuzz.create({ int: 2 ** 31 })).rejects.toBeInstanceOf(InvalidRequestError);
      await expect(Fuzz.create({ big: 2n ** 64n })).rejects.toBeInstanceOf(InvalidRequestError);
      await expect(Fuzz.create({ json: { f: () => 1 } as never })).rejects.toBeInstanceOf(InvalidRequestError);
      await expect(Fuzz.create({ json: new Map([[1, 2]]) })).rejects.toBeInstanceOf(InvalidRequestError);
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      await expect(Fuzz.create({ json: cyclic })).rejects.toBeInstanceOf(InvalidRequestError);
      await expect(Fuzz.create({ bytes: 'not bytes' as never })).rejects.toBeInstanceOf(InvalidRequestError);
      expect(ctx.log).toHaveLength(0);
    });
  });
}
