/**
 * Regressions of the correctness issue found by differential fuzzing, run on every adapter: each
 * test states the bug's shape and checks the rows against raw SQL written separately (or against
 * what SQL's own semantics say), not against what the library happens to return.
 */
import { beforeAll, beforeEach, describe, expect } from 'vitest';
import { InvalidRequestError } from '../../src/index.js';
import { type SuiteContext, suiteTest } from './harness.js';

export function correctnessSuite(ctx: SuiteContext): void {
  describe('correctness regressions', () => {
    const { db } = ctx;
    class Acct extends db.Model({
      __tablename__: 'cx_acct',
      id: db.Column(db.Integer(), { primaryKey: true, autoincrement: false }),
      owner: db.Column(db.Integer()),
      bal: db.Column(db.Integer()),
    }) {}
    class Flag extends db.Model({
      __tablename__: 'cx_flags',
      id: db.Column(db.Integer(), { primaryKey: true, autoincrement: false }),
      f: db.Column(db.Boolean()),
      g: db.Column(db.Boolean()),
      name: db.Column(db.Text()),
    }) {}
    class Doc extends db.Model({
      __tablename__: 'cx_docs',
      id: db.Column(db.Integer(), { primaryKey: true, autoincrement: false }),
      data: db.Column(db.JSONB()),
      plain: db.Column(db.JSON()),
      age: db.IntegerProperty({ propName: 'data' }),
      note: db.StringProperty({ propName: 'plain' }),
    }) {}

    const seed = async () => {
      await Acct.delete.gino.status();
      await Acct.insert()
        .values([
          { id: 1, owner: 1, bal: 10 },
          { id: 2, owner: 1, bal: 20 },
          { id: 3, owner: 2, bal: 5 },
        ])
        .gino.status();
    };
    const ids = async () => (await db.all<{ id: number }>('SELECT id FROM cx_acct ORDER BY id')).map((r) => r.id);

    beforeAll(async () => {
      await db.gino.dropAll();
      await db.gino.createAll();
      await Flag.insert()
        .values([
          { id: 1, f: true, g: true, name: 'a' },
          { id: 2, f: true, g: false, name: 'b' },
          { id: 3, f: false, g: false, name: null },
          { id: 4, f: null, g: true, name: 'id' },
        ])
        .gino.status();
    });
    beforeEach(seed);

    suiteTest(ctx, 'a correlated EXISTS in DELETE deletes only the rows it names (bug 1)', async () => {
      const B = Acct.alias('b');
      // Row 1 has a richer account of the same owner (row 2): only it goes.
      const status = await Acct.delete
        .where(db.exists(db.select([B.id]).where(B.owner.eq(Acct.owner), B.bal.gt(Acct.bal))))
        .gino.status();
      expect(ctx.sql().at(-1)).toBe(
        'DELETE FROM cx_acct WHERE EXISTS (SELECT b.id FROM cx_acct AS b WHERE b.owner = cx_acct.owner AND b.bal > cx_acct.bal)',
      );
      expect(status.rowCount).toBe(1);
      expect(await ids()).toEqual([2, 3]);
    });

    suiteTest(ctx, 'a correlated scalar subquery in UPDATE SET is computed per row (bug 1)', async () => {
      const B = Acct.alias('b');
      await Acct.update
        .values({
          bal: db
            .select([db.func.max(B.bal)])
            .where(B.owner.eq(Acct.owner))
            .asScalar(),
        })
        .gino.status();
      const raw = await db.all('SELECT id, bal FROM cx_acct ORDER BY id');
      expect(raw).toEqual([
        { id: 1, bal: 20 },
        { id: 2, bal: 20 },
        { id: 3, bal: 5 },
      ]);
    });

    suiteTest(
      ctx,
      'a subquery of the target table alone stays independent; correlate() forces it (bug 1)',
      async () => {
        // SQLAlchemy's rule: correlating would leave the subquery no FROM item, so it is its own.
        const below = await Acct.delete
          .where(Acct.bal.lt(db.select([db.func.avg(Acct.bal)]).asScalar()))
          .returning(Acct.id)
          .gino.all();
        expect(below.map((r) => r.id)).toEqual([1, 3]);
        await seed();
        const B = Acct.alias('b');
        // Explicit correlation: a DELETE naming the other table only through the subquery.
        const rich = db.select([B.id]).where(B.owner.eq(Acct.owner), B.bal.gt(Acct.bal)).correlate(Acct);
        expect((await Acct.delete.where(db.exists(rich)).gino.status()).rowCount).toBe(1);
        // correlateExcept(B): the enclosing query names both tables; the subquery keeps B its own.
        await seed();
        const top = await db
          .select([Acct.id])
          .selectFrom(Acct.__table__.join(B, B.id.eq(Acct.id)))
          .where(
            Acct.bal.eq(
              db
                .select([db.func.max(B.bal)])
                .where(B.owner.eq(Acct.owner))
                .correlateExcept(B)
                .asScalar(),
            ),
          )
          .orderBy(Acct.id)
          .gino.all();
        expect(top.map((r) => r.id)).toEqual([2, 3]);
      },
    );

    suiteTest(ctx, 'literals and function arguments carry their JavaScript type (bug 8)', async () => {
      const row = await db
        .select([
          db.literal(3).lt(10).label('lt'),
          db.func.greatest(10, 9).label('g'),
          db.literal('x').isNull().label('n'),
          db.literal(2.5).add(1).label('f'),
          db.literal(true).label('t'),
          db.literal(3000000000).gt(1).label('big'),
          db.literal(10n).add(1n).label('bi'),
          db.func.substring('hello', 2, 3).label('sub'),
        ])
        .gino.first();
      expect(row).toEqual({ lt: true, g: 10, n: false, f: 3.5, t: true, big: true, bi: 11n, sub: 'ell' });
    });

    suiteTest(
      ctx,
      'an untyped NULL is typed where it stands, in each place on its own (found by the differential tester)',
      async () => {
        // As one parameter, a NULL compared with int8 and int4 at once was "inconsistent types deduced" (42P08).
        const v = await db
          .select([db.literal<unknown>(null).in([3000000000n, Acct.id]).label('x')])
          .orderBy(Acct.id)
          .gino.first();
        expect(v).toEqual({ x: null });
        const between = await Acct.select('id').where(db.literal(null).between(null, Acct.id).isNull()).gino.all();
        expect(between).toHaveLength(3);
        expect(await db.select([db.literal(null).isNull().label('n')]).gino.scalar()).toBe(true);
      },
    );

    suiteTest(
      ctx,
      'a constant in ORDER BY or GROUP BY stays an expression, never a bare constant or a position',
      async () => {
        const rows = await Acct.select('id')
          .orderBy(db.literal(null), db.literal(true), db.literal(1), Acct.id.desc())
          .gino.all();
        expect(rows.map((r) => r.id)).toEqual([3, 2, 1]);
        const grouped = await db
          .select([db.func.count().label('n')])
          .selectFrom(Acct.__table__)
          .groupBy(db.literal(null))
          .gino.all();
        expect(grouped).toEqual([{ n: 3 }]);
      },
    );

    suiteTest(ctx, 'operators nest by PostgreSQL precedence (bug 9)', async () => {
      const q = (e: Parameters<typeof Flag.query.where>[0]) =>
        Flag.select('id')
          .where(e)
          .orderBy(Flag.id)
          .gino.all()
          .then((r) => r.map((x) => x.id));
      // (f = g) IN (true, false): every row whose comparison is not NULL.
      expect(await q(Flag.f.eq(Flag.g).in([true]))).toEqual([1, 3]);
      expect(await q(Flag.f.eq(Flag.g).in([false]))).toEqual([2]);
      expect(await q(Flag.f.eq(Flag.g).between(false, true))).toEqual([1, 2, 3]);
      expect(await q(Flag.f.ne(Flag.g).notIn([true]))).toEqual([1, 3]);
      expect(await q(Flag.c.name.like('a').eq(false))).toEqual([2, 4]);
      expect(await q(Flag.f.isNull().eq(false))).toEqual([1, 2, 3]);
    });

    suiteTest(ctx, 'a db.text() fragment is one operand (bug 10)', async () => {
      const rows = await Acct.query.where(db.text('id = 1 OR id = 2')).where(Acct.owner.eq(2)).gino.all();
      expect(rows).toEqual([]);
      const or = await Acct.select('id')
        .where(db.or(db.text('id = 3'), Acct.id.eq(1)))
        .orderBy(Acct.id)
        .gino.all();
      expect(or.map((r) => r.id)).toEqual([1, 3]);
    });

    suiteTest(ctx, 'result columns with the same key are all kept; no key touches the prototype (bug 12)', async () => {
      const B = Acct.alias('b');
      const row = await db
        .select([Acct.id, B.id])
        .selectFrom(Acct.__table__.join(B, B.id.eq(Acct.id.add(1))))
        .orderBy(Acct.id)
        .gino.first();
      expect(row).toEqual({ cx_acct_id: 1, b_id: 2 });
      expect((row as Record<string, unknown>)[String(Acct.id)]).toBe(1);
      expect((row as Record<string, unknown>)[String(B.id)]).toBe(2);
      expect(await db.first('SELECT 1 AS a, 2 AS a')).toEqual({ a: 1, a_1: 2 });
      const proto = (await db.select([db.literal('x').label('__proto__')]).gino.first()) as Record<string, unknown>;
      expect(Object.getPrototypeOf(proto)).not.toBe(null);
      expect(Object.keys(proto)).toEqual(['__proto__']);
      expect(Object.getOwnPropertyDescriptor(proto, '__proto__')?.value).toBe('x');
      const raw = (await db.first('SELECT 1 AS "__proto__"')) as Record<string, unknown>;
      expect(Object.getOwnPropertyDescriptor(raw, '__proto__')?.value).toBe(1);
    });

    suiteTest(ctx, 'x.in([]) is false and x.notIn([]) true, even when x holds a parameter (bug 15)', async () => {
      const n = await Acct.query.where(Acct.bal.add(1).in([])).gino.all();
      expect(n).toEqual([]);
      const all = await Acct.query.where(Acct.bal.add(1).notIn([])).gino.all();
      expect(all).toHaveLength(3);
      expect(await db.select([db.literal(null).in([]).label('x')]).gino.scalar()).toBe(false);
      // A lone scalar subquery in an IN list is one value: no row is NULL, not false.
      const none = db.select([Acct.bal]).where(Acct.id.eq(-1)).asScalar();
      expect(await db.select([db.literal(1).in([none]).label('x')]).gino.scalar()).toBe(null);
      const one = db.select([Acct.bal]).where(Acct.id.eq(1)).asScalar();
      expect(await db.select([db.literal(10).in([one]).label('x')]).gino.scalar()).toBe(true);
    });

    suiteTest(ctx, 'too deep an expression is a clear error before any I/O (bug 19)', async () => {
      let e = Acct.bal.eq(1);
      for (let i = 0; i < 5000; i++) e = db.not(e);
      ctx.clearLog();
      await expect(Acct.query.where(e).gino.all()).rejects.toThrow(InvalidRequestError);
      await expect(Acct.query.where(e).gino.all()).rejects.toThrow(/nested .* levels deep/);
      expect(ctx.log).toEqual([]);
      // Just under the limit every adapter's server parses it (PGlite fails on about 300 nested NOTs).
      let deep = Acct.bal.eq(10);
      for (let i = 0; i < 196; i++) deep = db.not(deep);
      expect((await Acct.select('id').where(deep).gino.all()).map((r) => r.id)).toEqual([1]);
      // Chained where() calls stay flat, however many.
      let q = Acct.select('id');
      for (let i = 0; i < 2000; i++) q = q.where(Acct.id.ne(-i));
      expect((await q.gino.all()).length).toBe(3);
    });

    suiteTest(ctx, 'FROM is inferred from in(), between() and exists() (bug 20)', async () => {
      expect(await db.select([db.func.count()]).where(Acct.id.between(1, 2)).gino.scalar()).toBe(2);
      expect(
        await db
          .select([db.func.count()])
          .where(Acct.id.in([1, 3]))
          .gino.scalar(),
      ).toBe(2);
      expect(
        await db
          .select([db.func.count()])
          .where(db.not(Acct.id.in([1])))
          .gino.scalar(),
      ).toBe(2);
    });

    suiteTest(ctx, 'comparisons take values the column could not store (bug 21)', async () => {
      const q = (e: Parameters<typeof Acct.query.where>[0]) =>
        Acct.select('id')
          .where(e)
          .orderBy(Acct.id)
          .gino.all()
          .then((r) => r.map((x) => x.id));
      expect(await q(Acct.id.lt(1.5))).toEqual([1]);
      expect(await q(Acct.id.eq(3000000000))).toEqual([]);
      expect(await q(Acct.id.lt(3000000000))).toEqual([1, 2, 3]);
      expect(await q(Acct.id.between(1.5, 2.5))).toEqual([2]);
      expect(await q(Acct.id.in([1, 2.5, 3000000000]))).toEqual([1]);
      expect(await Acct.select('id').where(Acct.bal.mul(1.5).gt(20)).gino.all()).toEqual([{ id: 2 }]);
    });

    suiteTest(ctx, 'operators and lock modes are validated; no second statement can ride along (bug 23)', async () => {
      for (const bad of ['--', '/*', '+/*', 'OR TRUE OR', 'a', '=;', '']) {
        expect(() => Acct.id.op(bad, 1)).toThrow(InvalidRequestError);
      }
      expect(() => Acct.query.forUpdate({ mode: 'UPDATE; CREATE TABLE cx_evil (a int); --' as never })).toThrow(
        InvalidRequestError,
      );
      expect(() => Acct.query.forUpdate({ nowait: 'yes' as never })).toThrow(InvalidRequestError);
      const odd = await Acct.select('id')
        .where(Acct.id.op('%', 2, db.Integer()).eq(1))
        .orderBy(Acct.id)
        .gino.all();
      expect(odd.map((r) => r.id)).toEqual([1, 3]);
      const qualified = Acct.select('id').where(Acct.id.op('OPERATOR(pg_catalog.+)', 1, db.Integer()).eq(2));
      expect(qualified.compile().sql).toContain('cx_acct.id OPERATOR(pg_catalog.+) $1');
      expect(await qualified.gino.all()).toEqual([{ id: 1 }]);
      expect(Number(await db.scalar("SELECT count(*) FROM pg_class WHERE relname = 'cx_evil'"))).toBe(0);
    });

    suiteTest(ctx, 'a label inside an ORDER BY expression is the labelled expression (bug 24)', async () => {
      // `id` is both a column and the label's name: the label must not bind to the column.
      const neg = Acct.bal.neg().label('id');
      const rows = await db
        .select([Acct.id.label('acct'), neg])
        .orderBy(neg.add(0))
        .gino.all();
      expect(rows.map((r) => r.acct)).toEqual([2, 1, 3]);
      const bare = await db
        .select([Acct.id.label('acct'), neg])
        .orderBy(neg)
        .gino.all();
      expect(bare.map((r) => r.acct)).toEqual([2, 1, 3]);
    });

    suiteTest(ctx, 'compiling is pure: same SQL twice, client defaults drawn per execution (bug 25)', async () => {
      const Other = Acct.alias();
      const q = db.select([Acct.id, Other.id]).selectFrom(Acct.__table__.join(Other, Other.id.eq(Acct.id)));
      expect(q.compile().sql).toBe(q.compile().sql);
      expect(q.compile().sql).toContain('cx_acct AS cx_acct_1');
      let n = 0;
      class Counter extends db.Model({
        __tablename__: 'cx_counter',
        id: db.Column(db.Integer(), { primaryKey: true, autoincrement: false, default: () => ++n }),
      }) {}
      await Counter.gino.create();
      try {
        const insert = Counter.insert().values({});
        insert.compile();
        insert.compile();
        expect(n).toBe(0);
        await insert.gino.status();
        await insert.gino.status();
        expect(await db.all('SELECT id FROM cx_counter ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
      } finally {
        await Counter.gino.drop();
      }
    });

    suiteTest(ctx, 'a JSON-property update of a JSON null, array or scalar never appends (bug 5)', async () => {
      await Doc.delete.gino.status();
      await db.status(
        `INSERT INTO cx_docs (id, data, plain) VALUES (1, 'null', 'null'), (2, '[1]', '[1]'), (3, '7', '"s"'), (4, NULL, NULL), (5, '{"k": 1}', '{"k": 1}')`,
      );
      for (const doc of await Doc.query.orderBy(Doc.id).gino.all()) {
        await doc.update({ age: 5, note: 'n' }).apply();
      }
      const raw = await db.all<{ id: number; data: unknown; plain: unknown }>(
        'SELECT id, data, plain FROM cx_docs ORDER BY id',
      );
      expect(raw).toEqual([
        { id: 1, data: { age: 5 }, plain: { note: 'n' } },
        { id: 2, data: { age: 5 }, plain: { note: 'n' } },
        { id: 3, data: { age: 5 }, plain: { note: 'n' } },
        { id: 4, data: { age: 5 }, plain: { note: 'n' } },
        { id: 5, data: { k: 1, age: 5 }, plain: { k: 1, note: 'n' } },
      ]);
    });

    suiteTest(ctx, 'a correlated DELETE inside a batch removes only its row (bug 1, batches)', async () => {
      const B = Acct.alias('b');
      const del = Acct.delete.where(db.exists(db.select([B.id]).where(B.owner.eq(Acct.owner), B.bal.gt(Acct.bal))));
      await db.batch([del, Acct.query]);
      expect(await ids()).toEqual([2, 3]);
    });
  });
}
