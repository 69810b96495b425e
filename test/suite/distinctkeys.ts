/**
 * Distinct loaders fold rows by the values of their key columns: two parents whose values differ
 * stay two parents, however their values look as text (separators and type letters inside
 * strings, NaN and NULL in arrays, JSON), through real queries.
 */
import { beforeAll, describe, expect } from 'vitest';
import { type SuiteContext, suiteTest } from './harness.js';

export function distinctKeysSuite(ctx: SuiteContext): void {
  describe('distinct loader keys', () => {
    const { db } = ctx;
    class Parent extends db.Model({
      __tablename__: 'dk_parents',
      id: db.Column(db.Integer(), { primaryKey: true }),
      a: db.Column(db.Text()),
      b: db.Column(db.Text()),
      floats: db.Column(db.ARRAY(db.Float())),
      doc: db.Column(db.JSONB()),
      at: db.Column(db.DateTime()),
    }) {
      children: Child[] = [];
      addChild(child: Child): void {
        this.children.push(child);
      }
    }
    class Child extends db.Model({
      __tablename__: 'dk_children',
      id: db.Column(db.Integer(), { primaryKey: true }),
      parentId: db.Column(db.Integer(), { name: 'parent_id', references: db.ForeignKey('dk_parents.id') }),
      name: db.Column(db.Text()),
    }) {}

    /** Parents, each with one child named after it; `group` marks the parents of one test. */
    const parents = async (group: string, rows: Record<string, unknown>[]): Promise<void> => {
      for (const [i, values] of rows.entries()) {
        const p = await Parent.create({ ...values, b: (values.b as string | undefined) ?? group } as never);
        await Child.create({ parentId: p.id, name: `${group}${i}` });
      }
    };

    /** Load the group's parents folded by `key`, with their children's names. */
    const load = async (
      where: ReturnType<typeof Parent.b.eq>,
      ...key: Parameters<typeof Parent.distinct>
    ): Promise<string[][]> => {
      const loaded = await db
        .select([Parent, Child])
        .selectFrom(Parent.join(Child))
        .where(where)
        .orderBy(Child.id)
        .gino.load(Parent.distinct(...key).load({ addChild: Child }))
        .all();
      return loaded.map((p) => p.children.map((c) => c.name as string));
    };

    beforeAll(async () => {
      await db.gino.dropAll();
      await db.gino.createAll();
    });

    suiteTest(ctx, 'strings holding the old separator and type letters do not merge parents', async () => {
      await parents('sep', [
        { a: 'a\u0001sb', b: 'c' },
        { a: 'a', b: 'b\u0001sc' },
        { a: 'x\u0001o1', b: 'y' },
        { a: 'x', b: 'o1\u0001sy' },
      ]);
      const rows = await load(Parent.a.in(['a\u0001sb', 'a', 'x\u0001o1', 'x']), Parent.a, Parent.b);
      expect(rows).toEqual([['sep0'], ['sep1'], ['sep2'], ['sep3']]);
    });

    suiteTest(ctx, 'NaN, Infinity and NULL elements of a float array are three keys', async () => {
      await parents('nan', [{ floats: [Number.NaN] }, { floats: [null] }, { floats: [Number.POSITIVE_INFINITY] }]);
      // The server agrees they are three values.
      expect(await db.scalar("SELECT count(DISTINCT floats)::int FROM dk_parents WHERE b = 'nan'")).toBe(3);
      expect(await load(Parent.b.eq('nan'), Parent.floats)).toEqual([['nan0'], ['nan1'], ['nan2']]);
    });

    suiteTest(ctx, 'JSON values and timestamps are keyed by value, equal ones fold', async () => {
      await parents('json', [
        { doc: { k: '5n' } },
        { doc: ['s', 1] },
        { doc: 's1' },
        { doc: { k: '5n' } },
        { doc: 5 },
        { doc: '5' },
      ]);
      expect(await load(Parent.b.eq('json'), Parent.doc)).toEqual([
        ['json0', 'json3'],
        ['json1'],
        ['json2'],
        ['json4'],
        ['json5'],
      ]);
      await parents('time', [{ at: new Date(5) }, { at: new Date(5) }, { at: new Date(6), a: '5' }]);
      expect(await load(Parent.b.eq('time'), Parent.at)).toEqual([['time0', 'time1'], ['time2']]);
      expect(await load(Parent.b.eq('time'), Parent.at, Parent.a)).toEqual([['time0', 'time1'], ['time2']]);
    });
  });
}
