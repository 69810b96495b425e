/**
 * Property-based fidelity and injection tests (fast-check, bounded): random values written through
 * create / update / where come back identical; random identifiers compile to SQL PostgreSQL accepts;
 * no value ever changes the shape of a statement.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect } from 'vitest';
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

/** Any double, NaN, ±Infinity and -0 included: float8 holds them all, and they come back as they went. */
const double = fc.double({ noNaN: false });

export const fidelityCounters = { cases: 0 };

/** A NUMERIC's text as PostgreSQL prints it back: no leading zeros, no `+`, no negative zero; up to ~100 digits. */
const numericText = fc
  .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 60n }), fc.stringMatching(/^[0-9]{0,40}$/))
  .map(([negative, whole, fraction]) => {
    const zero = whole === 0n && /^0*$/.test(fraction);
    return `${negative && !zero ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
  });

const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;
const edgeDouble = fc.oneof(
  fc.constantFrom(
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    Number.NaN,
    -0,
    0,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    Number.MIN_VALUE,
    -Number.MIN_VALUE,
    Number.EPSILON,
    Number.MAX_SAFE_INTEGER,
    0.1 + 0.2,
  ),
  double,
);
/** Instants PostgreSQL's timestamp holds and JavaScript's ISO form writes: years 1 to 9999, to the millisecond. */
const instant = fc.date({
  min: new Date('0001-01-01T00:00:00.000Z'),
  max: new Date('9999-12-31T23:59:59.999Z'),
  noInvalidDate: true,
});

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

    /** One column per type at the edges of its range. */
    class Edge extends db.Model({
      __tablename__: 'fuzz_edges',
      id: db.Column(db.Integer(), { primaryKey: true }),
      small: db.Column(db.SmallInteger()),
      int: db.Column(db.Integer()),
      big: db.Column(db.BigInteger()),
      bigNumber: db.Column(db.BigInteger({ mode: 'number' })),
      bigString: db.Column(db.BigInteger({ mode: 'string' })),
      dbl: db.Column(db.Float()),
      real: db.Column(db.Real()),
      num: db.Column(db.Numeric()),
      stamp: db.Column(db.DateTime()),
      stamptz: db.Column(db.DateTime({ timezone: true })),
      day: db.Column(db.Date()),
      text: db.Column(db.Text()),
      json: db.Column(db.JSON()),
      jsonb: db.Column(db.JSONB()),
      bytes: db.Column(db.LargeBinary()),
      ints: db.Column(db.ARRAY(db.Integer())),
      texts: db.Column(db.ARRAY(db.Text())),
    }) {}

    beforeAll(async () => {
      await db.gino.dropAll();
      await db.gino.createAll();
    });

    afterAll(() => {
      console.log(`[fidelity ${ctx.adapter.name}] ${fidelityCounters.cases} property cases tried`);
    });

    suiteTest(ctx, 'values at the edges of their types round-trip, and find their row', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            small: fc.oneof(fc.constantFrom(-32768, 32767, 0), fc.integer({ min: -32768, max: 32767 })),
            int: fc.oneof(fc.constantFrom(-2147483648, 2147483647, -1), fc.integer()),
            big: fc.oneof(
              fc.constantFrom(INT8_MIN, INT8_MAX, 2n ** 53n + 1n, -(2n ** 53n) - 1n),
              fc.bigInt({ min: INT8_MIN, max: INT8_MAX }),
            ),
            bigNumber: fc.oneof(fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER), fc.maxSafeInteger()),
            bigString: fc.oneof(
              fc.constantFrom(String(INT8_MIN), String(INT8_MAX)),
              fc.bigInt({ min: INT8_MIN, max: INT8_MAX }).map(String),
            ),
            dbl: edgeDouble,
            real: fc.float(),
            num: fc.oneof(fc.constantFrom('NaN', 'Infinity', '-Infinity', '0', '0.000'), numericText),
            stamp: instant,
            stamptz: instant,
            day: instant.map((d) => d.toISOString().slice(0, 10)),
            text: fc.string({ unit: 'binary', maxLength: 200 }).map((t) => t.replace(/\0/g, '')),
            json: fc.jsonValue({ maxDepth: 6 }),
            jsonb: fc.jsonValue({ maxDepth: 6 }),
            bytes: fc.uint8Array({ maxLength: 512 }),
            ints: fc.array(fc.option(fc.constantFrom(-2147483648, 2147483647, 0), { nil: null }), { maxLength: 5 }),
            texts: fc.array(fc.option(nasty, { nil: null }), { maxLength: 5 }),
          }),
          async (values) => {
            fidelityCounters.cases++;
            const row = await Edge.create(values as never);
            const got = (await Edge.get(row.id))?.toDict() as Record<string, unknown>;
            const same = (a: unknown, b: unknown) => Object.is(a, b);
            expect(got.small).toBe(values.small);
            expect(got.int).toBe(values.int);
            expect(got.big).toBe(values.big);
            expect(got.bigNumber).toBe(values.bigNumber);
            expect(got.bigString).toBe(values.bigString);
            expect(same(got.dbl, values.dbl), `float8 ${values.dbl} came back as ${got.dbl}`).toBe(true);
            // float4 keeps a float32: what comes back is the shortest decimal naming the same float32.
            expect(same(Math.fround(got.real as number), values.real), `real ${values.real} → ${got.real}`).toBe(true);
            expect(got.num).toBe(values.num);
            expect((got.stamp as Date).getTime()).toBe(values.stamp.getTime());
            expect((got.stamptz as Date).getTime()).toBe(values.stamptz.getTime());
            expect(got.day).toBe(values.day);
            expect(got.text).toBe(values.text);
            expect(got.json).toEqual(JSON.parse(JSON.stringify(values.json)));
            expect(got.jsonb).toEqual(JSON.parse(JSON.stringify(values.jsonb)));
            expect(got.bytes).toEqual(values.bytes);
            expect(got.ints).toEqual(values.ints);
            expect(got.texts).toEqual(values.texts);
            // Each value, as a parameter of a WHERE clause, finds the row it was written to.
            const found = await Edge.select('id')
              .where(
                Edge.id.eq(row.id),
                Edge.small.eq(values.small),
                Edge.int.eq(values.int),
                Edge.big.eq(values.big),
                Edge.bigString.eq(values.bigString),
                Edge.dbl.eq(values.dbl),
                Edge.num.eq(values.num),
                Edge.stamp.eq(values.stamp),
                Edge.stamptz.eq(values.stamptz),
                Edge.day.eq(values.day),
                Edge.text.eq(values.text),
                // eq(null) is IS NULL (SQL NULL), while a JavaScript null is stored as JSON null.
                ...(values.jsonb === null ? [] : [Edge.jsonb.eq(values.jsonb as never)]),
                Edge.bytes.eq(values.bytes),
              )
              .gino.scalar();
            expect(found).toBe(row.id);
          },
        ),
        { numRuns: RUNS },
      );
    });

    suiteTest(ctx, 'very long and deeply nested values round-trip', async () => {
      fidelityCounters.cases++;
      const long = `${'żółw 🐢 \'"$1 '.repeat(40_000)}end`;
      const bytes = Uint8Array.from({ length: 256 * 1024 }, (_, i) => (i * 7919) % 256);
      let deep: unknown = 'bottom';
      for (let i = 0; i < 300; i++) deep = i % 2 ? [deep] : { [`k${i}`]: deep };
      const wide = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`key "${i}" \\ 🐢`, i % 3 ? i : null]));
      const digits = `-${'9'.repeat(1000)}.${'0123456789'.repeat(100)}`;
      const texts = Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? null : `"${i}",\\{NULL}`));
      const row = await Edge.create({
        text: long,
        bytes,
        json: deep,
        jsonb: wide,
        num: digits,
        texts: texts as string[],
      });
      const got = (await Edge.get(row.id))?.toDict() as Record<string, unknown>;
      expect((got.text as string).length).toBe(long.length);
      expect(got.text).toBe(long);
      expect(got.bytes).toEqual(bytes);
      expect(got.json).toEqual(deep);
      expect(got.jsonb).toEqual(wide);
      expect(got.num).toBe(digits);
      expect(got.texts).toEqual(texts);
      expect(await Edge.select('id').where(Edge.text.eq(long), Edge.num.eq(digits)).gino.scalar()).toBe(row.id);
    });

    suiteTest(ctx, 'a lone UTF-16 surrogate is refused before any I/O, never stored as U+FFFD', async () => {
      ctx.clearLog();
      for (const bad of ['\uD800', 'a\uDC00b', `${'x'.repeat(10)}\uDBFF`]) {
        await expect(Edge.create({ text: bad })).rejects.toThrow(
          /fuzz_edges\.text \(TEXT\) cannot take a string with an unpaired UTF-16 surrogate/,
        );
        await expect(Edge.create({ texts: ['ok', bad] })).rejects.toBeInstanceOf(InvalidRequestError);
        // Untyped parameters too (a GinoError from the executor's default serialiser).
        await expect(db.scalar('SELECT $1::text', [bad])).rejects.toThrow(
          /parameter \$1: cannot send a string with an unpaired UTF-16 surrogate/,
        );
      }
      expect(ctx.log).toHaveLength(0);
      // A well-formed pair is fine.
      expect(await db.scalar('SELECT $1::text', ['\uD83D\uDC22'])).toBe('🐢');
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
            expect(Object.is(got.num, normal.num), `float8 ${normal.num} came back as ${got.num}`).toBe(true);
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
            fidelityCounters.cases++;
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
              // The names round-trip: the server's catalogue has exactly the names given.
              const names = await bind.all<{ name: string }>(
                'SELECT attname::text AS name FROM pg_attribute WHERE attrelid = to_regclass(quote_ident($1)) AND attnum > 0 AND NOT attisdropped ORDER BY attnum',
                [`fz ${table}`],
              );
              expect(names.map((n) => n.name)).toEqual([`id ${table}`, ...cols]);
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
