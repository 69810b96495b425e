/**
 * JSON properties (issue 5, item 6), after GINO's "JSON Property" how-to: typed attributes kept
 * in a JSON/JSONB column, defaults written on create, class access as SQL expressions (where,
 * orderBy, indexes), partial updates of only the changed keys, toDict(), and clear errors.
 */
import { beforeAll, beforeEach, describe, expect } from 'vitest';
import { InvalidRequestError } from '../../src/index.js';
import { type SuiteContext, suiteTest } from './harness.js';

export function jsonSuite(ctx: SuiteContext): void {
  describe('JSON properties', () => {
    const { db } = ctx;
    class Person extends db.Model({
      __tablename__: 'js_people',
      id: db.Column(db.Integer(), { primaryKey: true }),
      nickname: db.Column(db.Unicode()),
      profile: db.Column(db.JSONB(), { nullable: false, serverDefault: '{}' }),
      audit: db.Column(db.JSON()),
      age: db.IntegerProperty({ default: 18 }),
      bio: db.StringProperty(),
      active: db.BooleanProperty({ default: true }),
      birthday: db.DateTimeProperty(),
      settings: db.ObjectProperty({ default: () => ({ theme: 'light' }) }),
      tags: db.ArrayProperty(),
      extra: db.JSONProperty(),
      accessLog: db.ArrayProperty({ propName: 'audit' }),
      flagged: db.BooleanProperty({ propName: 'audit' }),
      _ageIdx: db.Index('js_people_age_idx', 'age'),
    }) {}

    const rawProfile = async (id: number) =>
      db.first<{ profile: unknown; audit: unknown }>('SELECT profile, audit FROM js_people WHERE id = $1', [id]);

    beforeAll(async () => {
      await db.gino.dropAll();
      await db.gino.createAll();
    });
    beforeEach(async () => {
      await Person.delete.gino.status();
      ctx.clearLog();
    });

    suiteTest(
      ctx,
      'properties are typed attributes kept in the JSON column; create() writes the defaults',
      async () => {
        const born = new Date('1990-05-06T07:08:09.123Z');
        const p = await Person.create({ nickname: 'daisy', bio: 'hi', birthday: born, tags: ['a', 'b'] });
        expect(p.age).toBe(18);
        expect(p.active).toBe(true);
        expect(p.bio).toBe('hi');
        expect(p.birthday).toEqual(born);
        expect(p.settings).toEqual({ theme: 'light' });
        expect(p.tags).toEqual(['a', 'b']);
        expect(p.extra).toBeNull();
        expect(p.accessLog).toBeNull();
        expect(await rawProfile(p.id)).toEqual({
          profile: {
            bio: 'hi',
            birthday: '1990-05-06T07:08:09.123Z',
            tags: ['a', 'b'],
            age: 18,
            active: true,
            settings: { theme: 'light' },
          },
          audit: null,
        });
        // Set on a new instance, then created; values read back from the row.
        const q = new Person({ nickname: 'q', age: 40, flagged: true, extra: { any: [1, 'json'] } });
        q.bio = 'set later';
        await q.create();
        const again = await Person.get(q.id);
        expect(again?.age).toBe(40);
        expect(again?.bio).toBe('set later');
        expect(again?.flagged).toBe(true);
        expect(again?.extra).toEqual({ any: [1, 'json'] });
        expect((await rawProfile(q.id))?.audit).toEqual({ flagged: true });
        // Assigning undefined removes the key; the default shows again.
        q.age = undefined as never;
        expect(q.age).toBe(18);
        expect(Object.keys(q.profile as object)).not.toContain('age');
      },
    );

    suiteTest(ctx, 'class access is a typed SQL expression for where and orderBy', async () => {
      await Person.create({ nickname: 'young', age: 12, bio: 'x', birthday: new Date('2010-01-01T00:00:00Z') });
      await Person.create({ nickname: 'old', age: 70, active: false, tags: ['vip'] });
      await Person.create({ nickname: 'mid', age: 35 });
      ctx.clearLog();
      const adults = await Person.query.where(Person.age.gt(16)).orderBy(Person.age.desc()).gino.all();
      expect(adults.map((p) => p.nickname)).toEqual(['old', 'mid']);
      expect(ctx.log[0]).toMatchObject({
        sql: 'SELECT js_people.id, js_people.nickname, js_people.profile, js_people.audit FROM js_people WHERE CAST(js_people.profile ->> $1 AS INTEGER) > $2 ORDER BY CAST(js_people.profile ->> $3 AS INTEGER) DESC',
        params: ['age', 16, 'age'],
      });
      expect(await Person.query.where(Person.bio.eq('x')).gino.all()).toHaveLength(1);
      expect((await Person.query.where(Person.active.eq(false)).gino.all()).map((p) => p.nickname)).toEqual(['old']);
      const born = await Person.query.where(Person.birthday.gt(new Date('2000-01-01T00:00:00Z'))).gino.all();
      expect(born.map((p) => p.nickname)).toEqual(['young']);
      expect((await Person.query.where(Person.tags.op('@>', ['vip'])).gino.all()).map((p) => p.nickname)).toEqual([
        'old',
      ]);
      const ages = await db
        .select([Person.nickname, Person.age.label('age')])
        .orderBy(Person.age)
        .gino.all();
      expect(ages).toEqual([
        { nickname: 'young', age: 12 },
        { nickname: 'mid', age: 35 },
        { nickname: 'old', age: 70 },
      ]);
    });

    suiteTest(ctx, 'update().apply() sends only the changed keys, merged into the column', async () => {
      const p = await Person.create({ nickname: 'u', bio: 'before', tags: ['t'] });
      // Someone else writes another key meanwhile: a merge keeps it.
      await db.status(`UPDATE js_people SET profile = profile || '{"secret": 1}' WHERE id = $1`, [p.id]);
      ctx.clearLog();
      await p.update({ age: 30, bio: 'after' }).apply();
      expect(ctx.log).toHaveLength(1);
      expect(ctx.log[0]).toMatchObject({
        sql: 'UPDATE js_people SET profile=CASE WHEN jsonb_typeof(js_people.profile) = $1 THEN js_people.profile ELSE CAST($2 AS JSONB) END || CAST($3 AS JSONB) WHERE js_people.id = $4 RETURNING js_people.profile',
        params: ['object', {}, { age: 30, bio: 'after' }, p.id],
      });
      expect(p.age).toBe(30);
      expect((await rawProfile(p.id))?.profile).toMatchObject({ age: 30, bio: 'after', tags: ['t'], secret: 1 });
      // An expression value goes through jsonb_build_object, and comes back through RETURNING.
      await p.update({ age: Person.age.add(1), active: false }).apply();
      expect(ctx.sql().at(-1)).toBe(
        'UPDATE js_people SET profile=CASE WHEN jsonb_typeof(js_people.profile) = $1 THEN js_people.profile ELSE CAST($2 AS JSONB) END || jsonb_build_object(CAST($3 AS TEXT), (CAST(js_people.profile ->> $4 AS INTEGER) + $5), CAST($6 AS TEXT), CAST($7 AS JSONB)) WHERE js_people.id = $8 RETURNING js_people.profile',
      );
      expect(p.age).toBe(31);
      expect(p.active).toBe(false);
      // A JSON (not JSONB) column, and a column next to properties, in one statement.
      await p.update({ flagged: true, accessLog: ['login'], nickname: 'renamed' }).apply();
      expect(ctx.sql().at(-1)).toBe(
        'UPDATE js_people SET nickname=$1, audit=CAST(CASE WHEN json_typeof(js_people.audit) = $2 THEN CAST(js_people.audit AS JSONB) ELSE CAST($3 AS JSONB) END || CAST($4 AS JSONB) AS JSON) WHERE js_people.id = $5 RETURNING js_people.nickname, js_people.audit',
      );
      expect(await Person.get(p.id)).toMatchObject({ nickname: 'renamed', flagged: true, accessLog: ['login'] });
      expect(() => p.update({ profile: {}, age: 1 })).not.toThrow();
      await expect(p.update({ profile: {}, age: 1 }).apply()).rejects.toThrow(/both profile and its JSON properties/);
    });

    suiteTest(ctx, 'db.Index on a property indexes its expression, rendered with literals', async () => {
      await db.gino.dropAll();
      ctx.clearLog();
      await db.gino.createAll();
      expect(ctx.sql()).toContain("CREATE INDEX js_people_age_idx ON js_people ((CAST(profile ->> 'age' AS INTEGER)))");
      const def = await db.scalar<string>("SELECT indexdef FROM pg_indexes WHERE indexname = 'js_people_age_idx'");
      expect(def).toMatch(/\(\(profile ->> 'age'::text\)\)::integer\)/);
    });

    suiteTest(ctx, 'toDict() shows the properties instead of the column holding them', async () => {
      const p = await Person.create({ nickname: 'd', bio: 'b' });
      const dict = p.toDict();
      expect(Object.keys(dict).sort()).toEqual(
        [
          'id',
          'nickname',
          'age',
          'bio',
          'active',
          'birthday',
          'settings',
          'tags',
          'extra',
          'accessLog',
          'flagged',
        ].sort(),
      );
      expect(dict).toMatchObject({ nickname: 'd', bio: 'b', age: 18, birthday: null, accessLog: null });
    });

    suiteTest(ctx, 'clear errors: undeclared keys, wrong value types, models without a JSON column', async () => {
      ctx.clearLog();
      // @ts-expect-error undeclared key
      expect(() => new Person({ height: 3 })).toThrow(/Person has no column 'height' .*JSON properties: age, bio/);
      const p = new Person({ nickname: 'e' });
      expect(() => {
        p.age = 'old' as never;
      }).toThrow(/Person\.age \(IntegerProperty\) cannot take "old": expected a whole number/);
      expect(() => p.update({ birthday: 'not a date' as never })).toThrow(InvalidRequestError);
      expect(() => p.update({ settings: ['not', 'an', 'object'] as never })).toThrow(/ObjectProperty/);
      // @ts-expect-error undeclared key
      expect(() => p.update({ height: 1 })).toThrow(/no column 'height'/);
      expect(ctx.log).toHaveLength(0);
      expect(() =>
        db.Model({
          __tablename__: 'js_none',
          id: db.Column(db.Integer(), { primaryKey: true }),
          age: db.IntegerProperty(),
        }),
      ).toThrow(/js_none\.age: JSON properties live in a JSON or JSONB column, and js_none has none/);
      expect(() =>
        db.Model({
          __tablename__: 'js_two',
          id: db.Column(db.Integer(), { primaryKey: true }),
          a: db.Column(db.JSONB()),
          b: db.Column(db.JSONB()),
          age: db.IntegerProperty(),
        }),
      ).toThrow(/several JSON columns \(a, b\); say which with \{ propName \}/);
      expect(() =>
        db.Model({
          __tablename__: 'js_wrong',
          id: db.Column(db.Integer(), { primaryKey: true }),
          note: db.Column(db.Text()),
          age: db.IntegerProperty({ propName: 'note' }),
        }),
      ).toThrow(/propName 'note' must name a JSON or JSONB column/);
      expect(() => db.Model({ id: db.Column(db.Integer()), age: db.IntegerProperty() })).toThrow(/abstract model/);
    });
  });
}
