/** Model CRUD in depth: defaults, keys, update requests, deletes, class-level statements. */
import { beforeAll, beforeEach, describe, expect } from 'vitest';
import { InvalidRequestError, NoSuchRowError } from '../../src/index.js';
import { type SuiteContext, suiteTest } from './harness.js';
import { defineModels } from './models.js';

export function crudSuite(ctx: SuiteContext): void {
  describe('model CRUD', () => {
    const { db } = ctx;
    const { User, Team, Member, Note } = defineModels(db);

    beforeAll(async () => {
      await db.gino.dropAll();
      await db.gino.createAll();
    });
    beforeEach(async () => {
      await Member.delete.gino.status();
      await Team.delete.gino.status();
      await User.delete.gino.status();
      await Note.delete.gino.status();
      ctx.clearLog();
    });

    suiteTest(ctx, 'create applies Python-side defaults and reads server defaults back', async () => {
      const u = await User.create();
      expect(u.nickname).toBe('noname');
      const team = await Team.create({ name: 'core' });
      expect(team.created).toBeInstanceOf(Date);
      const m = await Member.create({ fullName: 'Ada', teamId: team.id });
      expect(m.score).toBe(0);
      expect(m.active).toBe(true);
      expect(m.created).toBeInstanceOf(Date);
      expect(ctx.sql().at(-1)).toBe(
        'INSERT INTO members (full_name, team_id, active) VALUES ($1, $2, $3) RETURNING members.id, members.full_name, members.team_id, members.mentor_id, members.score, members.active, members.created',
      );
    });

    suiteTest(ctx, 'renamed columns: attribute keys in JavaScript, column names in SQL', async () => {
      const team = await Team.create({ name: 'renamed' });
      const m = await Member.create({ fullName: 'Grace', teamId: team.id });
      const raw = await db.first<{ full_name: string }>('SELECT full_name FROM members WHERE id = $1', [m.id]);
      expect(raw?.full_name).toBe('Grace');
      const viaSelect = await Member.select('fullName', 'teamId').where(Member.id.eq(m.id)).gino.first();
      expect(viaSelect).toEqual({ fullName: 'Grace', teamId: team.id });
      expect((await Member.get(m.id))?.toDict()).toMatchObject({ fullName: 'Grace', teamId: team.id });
    });

    suiteTest(ctx, 'schema-qualified tables (__table_args__.schema) and enum server defaults', async () => {
      const n = await Note.create({ body: 'it is a \'quoted\' "body"' });
      expect(typeof n.id).toBe('number');
      expect(n.mood).toBe('happy');
      expect(ctx.sql().at(-1)).toContain('INSERT INTO gino_suite.notes (body) VALUES ($1)');
      expect((await Note.get(n.id))?.body).toBe('it is a \'quoted\' "body"');
      await n.update({ mood: 'sad' }).apply();
      expect((await Note.get(n.id))?.mood).toBe('sad');
    });

    suiteTest(ctx, 'mixins: columns from a spread object are copied per model', async () => {
      expect(Team.created).not.toBe(Member.created);
      expect(Team.created.table).toBe(Team.__table__);
      expect(Member.created.table).toBe(Member.__table__);
    });

    suiteTest(ctx, 'get takes a scalar, an array or an object, and checks the key count', async () => {
      const u = await User.create({ nickname: 'k' });
      expect((await User.get(u.id))?.nickname).toBe('k');
      expect((await User.get([u.id]))?.nickname).toBe('k');
      expect((await User.get({ id: u.id }))?.nickname).toBe('k');
      expect(await User.get(u.id + 1000)).toBeNull();
      await expect(User.get([1, 2])).rejects.toThrow(/User\.get\(\) expected 1 primary-key value \(id\), got 2/);
      await expect(User.get({ nickname: 'k' })).rejects.toThrow(InvalidRequestError);
    });

    suiteTest(ctx, 'get() with an expression for the key, first, does not change later calls', async () => {
      class GetProbe extends db.Model({
        __tablename__: 'get_probe',
        id: db.Column(db.Integer(), { primaryKey: true }),
        tag: db.Column(db.Unicode()),
      }) {}
      await GetProbe.gino.create({ checkfirst: true });
      try {
        await GetProbe.create({ id: 2, tag: 'two' });
        expect((await GetProbe.get([db.text('2')]))?.tag).toBe('two');
        expect((await GetProbe.get([db.literal(2)]))?.tag).toBe('two');
        ctx.clearLog();
        expect((await GetProbe.get(2))?.tag).toBe('two');
        expect(ctx.log.at(-1)).toMatchObject({
          sql: 'SELECT get_probe.id, get_probe.tag FROM get_probe WHERE get_probe.id = $1',
          params: [2],
        });
        await expect(GetProbe.get('x' as never)).rejects.toThrow(InvalidRequestError);
      } finally {
        await GetProbe.gino.drop();
      }
    });

    suiteTest(ctx, 'update().apply() sets and returns only the changed columns', async () => {
      const team = await Team.create({ name: 'a' });
      const m = await Member.create({ fullName: 'Lin', teamId: team.id });
      ctx.clearLog();
      const req = m.update({ fullName: 'Lin Yu' });
      expect(m.fullName).toBe('Lin Yu');
      req.update({ score: 5 });
      await req.apply();
      expect(ctx.log.at(-1)).toMatchObject({
        sql: 'UPDATE members SET full_name=$1, score=$2 WHERE members.id = $3 RETURNING members.full_name, members.score',
        params: ['Lin Yu', 5, m.id],
      });
      expect(await Member.select('fullName', 'score').where(Member.id.eq(m.id)).gino.first()).toEqual({
        fullName: 'Lin Yu',
        score: 5,
      });
    });

    suiteTest(ctx, 'update() with an expression reads the new value back', async () => {
      const u = await User.create({ nickname: 'x' });
      await u.update({ nickname: User.nickname.concat('y') }).apply();
      expect(u.nickname).toBe('xy');
    });

    suiteTest(ctx, 'the row is found by the key captured at update(), even when the key changes', async () => {
      const u = await User.create({ nickname: 'mover' });
      const oldId = u.id;
      await u.update({ id: oldId + 500 }).apply();
      expect(u.id).toBe(oldId + 500);
      expect(await User.get(oldId)).toBeNull();
      expect((await User.get(oldId + 500))?.nickname).toBe('mover');
    });

    suiteTest(ctx, 'update().apply() on a deleted row throws NoSuchRowError', async () => {
      const u = await User.create({ nickname: 'gone' });
      await u.delete();
      await expect(u.update({ nickname: 'back' }).apply()).rejects.toBeInstanceOf(NoSuchRowError);
    });

    suiteTest(ctx, 'unknown keys are refused before any I/O', async () => {
      ctx.clearLog();
      // @ts-expect-error unknown column
      expect(() => new User({ nick: 'x' })).toThrow(/User has no column 'nick' \(columns: id, nickname\)/);
      // @ts-expect-error unknown column
      await expect(User.create({ nick: 'x' })).rejects.toThrow(InvalidRequestError);
      const u = new User({ nickname: 'ok' });
      // @ts-expect-error unknown column
      expect(() => u.update({ nope: 1 })).toThrow(/no column 'nope'/);
      expect(() => User.update.values({ nope: 1 } as never)).toThrow(/no column 'nope'/);
      expect(() => User.select('nope' as 'id')).toThrow(/no column 'nope'/);
      expect(ctx.log).toHaveLength(0);
    });

    suiteTest(ctx, 'delete() returns the status and keeps the values; class-level delete and update', async () => {
      const a = await User.create({ nickname: 'a' });
      await User.create({ nickname: 'b' });
      expect(await a.delete()).toBe('DELETE 1');
      expect(a.nickname).toBe('a');
      expect(await a.delete()).toBe('DELETE 0');
      const st = await User.update.values({ nickname: 'z' }).where(User.nickname.eq('b')).gino.status();
      expect(st).toMatchObject({ status: 'UPDATE 1', rowCount: 1, rows: [] });
      const del = await User.delete.where(User.nickname.eq('z')).returning(User.id).gino.status();
      expect(del.status).toBe('DELETE 1');
      expect(del.rows).toHaveLength(1);
    });

    suiteTest(ctx, 'insert() of many rows in one statement returns instances', async () => {
      ctx.clearLog();
      const users = await User.insert()
        .values([{ nickname: 'm1' }, { nickname: 'm2' }, {}])
        .returning()
        .gino.all();
      expect(ctx.log).toHaveLength(1);
      expect(ctx.log[0]?.sql).toBe(
        'INSERT INTO users (nickname) VALUES ($1), ($2), ($3) RETURNING users.id, users.nickname',
      );
      expect(users.map((u) => u.nickname)).toEqual(['m1', 'm2', 'noname']);
      expect(users[0]).toBeInstanceOf(User);
    });

    suiteTest(ctx, 'toDict() and instances are plain in-memory objects', async () => {
      const u = await User.create({ nickname: 'p' });
      const again = await User.get(u.id);
      expect(again).not.toBe(u);
      expect(again?.toDict()).toEqual(u.toDict());
      u.nickname = 'changed in memory';
      expect((await User.get(u.id))?.nickname).toBe('p');
    });
  });
}
