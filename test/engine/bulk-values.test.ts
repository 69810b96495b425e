/**
 * Values in bulk, against the server as the oracle: JSON written through the fast path for plain
 * data (no replacer) reads back as JSON.stringify wrote it, and what is not plain data still goes
 * through the checks; big results are shaped row by row with each column's finishing (bigint
 * modes, arrays of them), the values equal to what the raw driver reads. On embedded PGlite, and
 * on the run's server through pg when there is one.
 */
import { PGlite } from '@electric-sql/pglite';
import fc from 'fast-check';
import pgModule from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { pg } from '../../adapters/pg/index.js';
import { pglite } from '../../adapters/pglite/index.js';
import { Gino, InvalidRequestError } from '../../src/index.js';

interface Target {
  name: string;
  /** The raw driver, to read back what gino-edge wrote (the oracle). */
  raw(sql: string): Promise<Record<string, unknown>[]>;
  adapter(): unknown;
  close(): Promise<void>;
}

const targets: Target[] = [];
const hasServer = inject('databaseKind') !== 'pglite';

function model(db: Gino) {
  class Doc extends db.Model({
    __tablename__: 'bulk_docs',
    id: db.Column(db.Integer(), { primaryKey: true }),
    body: db.Column(db.JSONB()),
    tags: db.Column(db.ARRAY(db.Integer())),
    big: db.Column(db.BigInteger({ mode: 'number' })),
    bigs: db.Column(db.ARRAY(db.BigInteger({ mode: 'string' }))),
    raw: db.Column(db.BigInteger()),
  }) {}
  return Doc;
}

const DDL = [
  'DROP TABLE IF EXISTS bulk_docs',
  'CREATE TABLE bulk_docs (id integer PRIMARY KEY, body jsonb, tags integer[], big bigint, bigs bigint[], raw bigint)',
];

beforeAll(async () => {
  const lite = await PGlite.create();
  targets.push({
    name: 'pglite',
    raw: async (sql) => (await lite.query<Record<string, unknown>>(sql)).rows,
    adapter: () => pglite(lite),
    close: () => lite.close(),
  });
  if (hasServer) {
    const client = new pgModule.Client({ connectionString: inject('databaseUrl') });
    await client.connect();
    targets.push({
      name: 'pg',
      raw: async (sql) => (await client.query(sql)).rows,
      adapter: () => pg(inject('databaseUrl'), { max: 2 }),
      close: async () => {
        await client.query('DROP TABLE IF EXISTS bulk_docs');
        await client.end();
      },
    });
  }
});

afterAll(async () => {
  for (const t of targets) await t.close();
});

async function withDb<T>(t: Target, fn: (db: Gino, Doc: ReturnType<typeof model>) => Promise<T>): Promise<T> {
  for (const sql of DDL) await t.raw(sql);
  const db = new Gino();
  const Doc = model(db);
  await db.setBind(t.adapter() as never);
  try {
    return await fn(db, Doc);
  } finally {
    await db.popBind().close();
  }
}

/** JSON data with the corners JSON.stringify treats alike with and without a replacer. */
const plainJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.double({ noNaN: false }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 4 }),
  ),
})).value;

for (const where of ['pglite', ...(hasServer ? ['pg'] : [])]) {
  describe(`bulk values on ${where}`, () => {
    const target = () => targets.find((t) => t.name === where) as Target;

    test('JSON written in one multi-row INSERT reads back as JSON.stringify wrote it (the oracle)', async () => {
      await withDb(target(), async (_db, Doc) => {
        await fc.assert(
          fc.asyncProperty(fc.array(plainJson, { minLength: 1, maxLength: 30 }), async (values) => {
            await target().raw('TRUNCATE bulk_docs');
            await Doc.insert()
              .values(values.map((body, id) => ({ id, body })))
              .gino.status();
            const back = await target().raw('SELECT id, body::text AS text FROM bulk_docs ORDER BY id');
            expect(back.map((r) => JSON.parse(r.text as string))).toEqual(
              values.map((v) => JSON.parse(JSON.stringify(v))),
            );
          }),
          { numRuns: 25 },
        );
      });
    });

    test('what is not plain JSON data still goes through the checks: toJSON, bigints, null prototypes, refusals', async () => {
      await withDb(target(), async (_db, Doc) => {
        const at = new Date(Date.UTC(2024, 1, 3, 4, 5, 6));
        const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1, b: [true, null] });
        const rows = [
          { id: 1, body: { at, list: [at] } },
          { id: 2, body: { n: 12n, deep: [[3n]] } },
          { id: 3, body: bare },
          { id: 4, body: { skip: undefined, keep: 1, holes: [undefined, 2] } },
        ];
        await Doc.insert().values(rows).gino.status();
        const back = await target().raw('SELECT body::text AS text FROM bulk_docs ORDER BY id');
        expect(back.map((r) => JSON.parse(r.text as string))).toEqual([
          { at: at.toISOString(), list: [at.toISOString()] },
          { n: 12, deep: [[3]] },
          { a: 1, b: [true, null] },
          { keep: 1, holes: [null, 2] },
        ]);
        for (const [body, message] of [
          [{ deep: [{ f: () => 1 }] }, /at key 'f' is a function/],
          [{ deep: [new Map([[1, 2]])] }, /Map, which JSON would silently empty/],
          [{ deep: { s: new Set([1]) } }, /Set, which JSON would silently empty/],
          [{ n: [2n ** 60n] }, /beyond what JSON numbers hold exactly/],
        ] as const) {
          await expect(Doc.create({ id: 9, body })).rejects.toThrow(InvalidRequestError);
          await expect(Doc.create({ id: 9, body })).rejects.toThrow(message);
        }
        expect(await target().raw('SELECT count(*)::int AS n FROM bulk_docs WHERE id = 9')).toEqual([{ n: 0 }]);
      });
    });

    test('a big result is shaped row by row, each column finished as its type says (raw reads are the oracle)', async () => {
      await withDb(target(), async (db, Doc) => {
        const n = 5000;
        await target().raw(
          `INSERT INTO bulk_docs SELECT g, jsonb_build_object('g', g), ARRAY[g, g + 1], g::bigint * 3, ARRAY[g::bigint * 1000000000000, 7], g::bigint FROM generate_series(1, ${n}) AS g`,
        );
        const docs = await Doc.query.orderBy(Doc.id).gino.all();
        expect(docs).toHaveLength(n);
        const oracle = await target().raw(
          'SELECT id, tags::text AS tags, big::text AS big, bigs::text AS bigs, raw::text AS raw FROM bulk_docs ORDER BY id',
        );
        docs.forEach((d, i) => {
          const o = oracle[i] as Record<string, string>;
          expect(d.id).toBe(Number(o.id));
          expect(d.body).toEqual({ g: d.id });
          expect(`{${(d.tags as number[]).join(',')}}`).toBe(o.tags);
          expect(d.big).toBe(Number(o.big));
          expect(typeof d.big).toBe('number');
          expect(`{${(d.bigs as string[]).join(',')}}`).toBe(o.bigs);
          expect(typeof (d.bigs as string[])[0]).toBe('string');
          expect(d.raw).toBe(BigInt(o.raw as string));
        });
        // Rows as plain objects, and a scalar, finished the same way.
        const plain = await db.select([Doc.big, Doc.bigs]).where(Doc.id.eq(7)).gino.first();
        expect(plain).toEqual({ big: 21, bigs: ['7000000000000', '7'] });
        expect(await db.select([Doc.bigs]).where(Doc.id.eq(2)).gino.scalar()).toEqual(['2000000000000', '7']);
        expect(await db.select([Doc.big]).where(Doc.id.eq(3)).gino.scalar()).toBe(9);
      });
    });
  });
}
