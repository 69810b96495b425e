/**
 * GINO's `tests/test_crud.py`, translated: one test per GINO test function, named after it, with
 * GINO's expectations. `engine` in GINO is the bound engine passed as `{ bind }`; `bind` is the
 * implicit binding. `timeout=10` (seconds) is `{ timeout: 10_000 }` where the adapter can cancel a
 * statement (PGlite cannot, and refuses the option: checked in test_create).
 */
import { describe, expect } from 'vitest';
import { type Expr, Gino, NoSuchRowError, type QueryRunner, UnsupportedError } from '../../src/index.js';
import { crudTimeout, type GinoModels, useGinoModels } from './gino-models.js';
import { capabilityTest, type SuiteContext, suiteTest } from './harness.js';

export function ginoCrudSuite(ctx: SuiteContext): void {
  describe('GINO tests/test_crud.py', () => {
    const { db } = ctx;
    const models = useGinoModels(db);
    const { User, Friendship, Relation } = models;

    /** GINO's test_create, reused by the tests that call it. */
    async function create(bind: QueryRunner): Promise<InstanceType<GinoModels['User']>> {
      const nickname = `test_create_${Math.random()}`;
      const u = await User.create({ nickname, age: 42, type: 'USER' }, { bind, ...crudTimeout(ctx) });
      expect(u.id).not.toBeNull();
      expect(u.nickname).toBe(nickname);
      expect(u.type).toBe('USER');
      expect(u.age).toBe(42);
      const u2 = await User.get(u.id, { bind, ...crudTimeout(ctx) });
      expect(u2?.id).toBe(u.id);
      expect(u2?.nickname).toBe(nickname);
      expect(u2?.type).toBe('USER');
      expect(u2?.age).toBe(42);
      expect(u2).not.toBe(u);
      return u;
    }

    async function createFromInstance(bind: QueryRunner): Promise<InstanceType<GinoModels['User']>> {
      const nickname = `test_create_from_instance_${Math.random()}`;
      const u = new User({ nickname: 'will-be-replaced', type: 'USER', age: 42 });
      u.nickname = nickname;
      u.age = 21;
      await u.create({ bind, ...crudTimeout(ctx) });
      expect(u.id).not.toBeNull();
      expect(u.nickname).toBe(nickname);
      expect(u.type).toBe('USER');
      expect(u.age).toBe(21);
      const u2 = await User.get(u.id, { bind, ...crudTimeout(ctx) });
      expect(u2?.id).toBe(u.id);
      expect(u2?.nickname).toBe(nickname);
      expect(u2?.age).toBe(21);
      expect(u2).not.toBe(u);
      return u;
    }

    async function get(bind: QueryRunner): Promise<void> {
      const u1 = await create(bind);
      const u2 = await User.get(u1.id, { bind, ...crudTimeout(ctx) });
      expect(u1.id).toBe(u2?.id);
      expect(u1.nickname).toBe(u2?.nickname);
      expect(u1).not.toBe(u2);

      const u3 = await bind.first(u1.query);
      expect(u3).toBeInstanceOf(User);
      expect(u1.id).toBe(u3?.id);
      expect(u1.nickname).toBe(u3?.nickname);
      expect(u1).not.toBe(u3);

      const u4 = await createFromInstance(bind);
      const u5 = await bind.first(u4.query);
      expect(u4.id).toBe(u5?.id);
      expect(u4.nickname).toBe(u5?.nickname);
      expect(u4).not.toBe(u5);
    }

    suiteTest(ctx, 'test_create', async () => {
      await create(ctx.engine());
      if (!ctx.capabilities().timeouts) {
        // The documented refusal where statements cannot be cancelled, before any I/O.
        ctx.clearLog();
        await expect(User.create({}, { timeout: 10_000 })).rejects.toBeInstanceOf(UnsupportedError);
        expect(ctx.log).toEqual([]);
      }
    });

    suiteTest(ctx, 'test_create_from_instance', async () => {
      await createFromInstance(ctx.engine());
    });

    suiteTest(ctx, 'test_get', async () => {
      await get(ctx.engine());
    });

    suiteTest(ctx, 'test_textual_sql', async () => {
      const engine = ctx.engine();
      const u1 = await create(engine);
      let u2 = await db
        .text('SELECT * FROM gino_users WHERE id = :uid', { uid: u1.id })
        .columns(User)
        .gino.model(User)
        .first({ bind: engine });
      expect(u2).toBeInstanceOf(User);
      expect(u1.id).toBe(u2?.id);
      expect(u1.nickname).toBe(u2?.nickname);
      expect(u1.type).toBe(u2?.type);
      expect(u1).not.toBe(u2);

      u2 = await db
        .text('SELECT * FROM gino_users WHERE id = :uid AND type = :utype', { uid: u1.id, utype: 'USER' })
        .columns(User)
        .gino.model(User)
        .first({ bind: engine });
      expect(u2).toBeInstanceOf(User);
      expect(u1.id).toBe(u2?.id);
      expect(u1.nickname).toBe(u2?.nickname);
      expect(u1.type).toBe(u2?.type);
      expect(u1).not.toBe(u2);
    });

    suiteTest(ctx, 'test_select', async () => {
      const engine = ctx.engine();
      const u = await create(engine);
      let name = await engine.scalar(User.select('nickname').where(User.id.eq(u.id)));
      expect(u.nickname).toBe(name);
      name = await engine.scalar(u.select('nickname'));
      expect(u.nickname).toBe(name);
    });

    suiteTest(ctx, 'test_get_multiple_primary_key', async () => {
      const engine = ctx.engine();
      const u1 = await create(engine);
      const u2 = await create(engine);
      await Friendship.create({ myId: u1.id, friendId: u2.id }, { bind: engine });
      // GINO: ValueError "Incorrect number of values as primary key".
      await expect(Friendship.get([u1.id], { bind: engine })).rejects.toThrow(/expected 2 primary-key values/);
      await expect(Friendship.get(u1.id, { bind: engine })).rejects.toThrow(/expected 2 primary-key values/);
      const f = await Friendship.get([u1.id, u2.id], { bind: engine });
      expect(f).toBeTruthy();
      expect(f?.myId).toBe(u1.id);
      expect(f?.friendId).toBe(u2.id);
    });

    suiteTest(ctx, 'test_multiple_primary_key_order', async () => {
      const db1 = new Gino();
      await db1.setBind(ctx.engine());
      class NameCard extends db1.Model({
        __tablename__: 'name_cards',
        firstName: db1.Column(db1.Unicode(), { name: 'first_name', primaryKey: true }),
        lastName: db1.Column(db1.Unicode(), { name: 'last_name', primaryKey: true }),
      }) {}
      await db1.gino.createAll();
      try {
        await NameCard.create({ firstName: 'first', lastName: 'last' });
        let nc = await NameCard.get(['first', 'last']);
        expect(nc?.firstName).toBe('first');
        expect(nc?.lastName).toBe('last');
        await expect(NameCard.get({ a: 1, firstName: 'first', lastName: 'last' })).rejects.toThrow(/expected 2.*got 3/);
        // GINO: KeyError naming the missing key.
        await expect(NameCard.get({ first: 'first', lastName: 'last' })).rejects.toThrow(/firstName/);
        nc = await NameCard.get({ firstName: 'first', lastName: 'last' });
        expect(nc?.firstName).toBe('first');
        expect(nc?.lastName).toBe('last');
        nc = await NameCard.get({ 0: 'first', 1: 'last' });
        expect(nc?.firstName).toBe('first');
        expect(nc?.lastName).toBe('last');
      } finally {
        await db1.gino.dropAll();
        db1.popBind();
      }

      const db2 = new Gino();
      await db2.setBind(ctx.engine());
      class NameCard2 extends db2.Model({
        __tablename__: 'name_cards',
        lastName: db2.Column(db2.Unicode(), { name: 'last_name', primaryKey: true }),
        firstName: db2.Column(db2.Unicode(), { name: 'first_name', primaryKey: true }),
      }) {}
      await db2.gino.createAll();
      try {
        await NameCard2.create({ firstName: 'first', lastName: 'last' });
        let nc = await NameCard2.get(['last', 'first']);
        expect(nc?.firstName).toBe('first');
        expect(nc?.lastName).toBe('last');
        nc = await NameCard2.get({ firstName: 'first', lastName: 'last' });
        expect(nc?.firstName).toBe('first');
        expect(nc?.lastName).toBe('last');
        nc = await NameCard2.get({ 1: 'first', lastName: 'last' });
        expect(nc?.firstName).toBe('first');
        expect(nc?.lastName).toBe('last');
      } finally {
        await db2.gino.dropAll();
        db2.popBind();
      }
    });

    capabilityTest(
      ctx,
      'test_connection_as_bind',
      'sessions',
      async () => {
        await ctx.engine().acquire((conn) => get(conn));
      },
      () => ctx.engine().acquire(async () => undefined),
    );

    suiteTest(ctx, 'test_update', async () => {
      const engine = ctx.engine();
      const name = `updated_${Math.random()}`;
      const u1 = await create(engine);
      await u1.update({ nickname: name }).apply({ bind: engine, ...crudTimeout(ctx) });
      const u2 = await User.get(u1.id, { bind: engine });
      expect(u2?.nickname).toBe(name);
    });

    suiteTest(ctx, 'test_update_missing', async () => {
      const engine = ctx.engine();
      const u1 = await create(engine);
      const rq = u1.update({ nickname: 'missing' });
      await u1.delete({ bind: engine });
      await expect(rq.apply({ bind: engine, ...crudTimeout(ctx) })).rejects.toBeInstanceOf(NoSuchRowError);
    });

    suiteTest(ctx, 'test_update_multiple_primary_key', async () => {
      const engine = ctx.engine();
      const u1 = await create(engine);
      const u2 = await create(engine);
      const u3 = await create(engine);
      await Friendship.create({ myId: u1.id, friendId: u2.id }, { bind: engine });
      const f = await Friendship.get([u1.id, u2.id], { bind: engine });
      await f?.update({ myId: u2.id, friendId: u3.id }).apply({ bind: engine });
      expect(await Friendship.get([u2.id, u3.id], { bind: engine })).toBeTruthy();
    });

    suiteTest(ctx, 'test_delete', async () => {
      const engine = ctx.engine();
      const u1 = await create(engine);
      await u1.delete({ bind: engine, ...crudTimeout(ctx) });
      expect(await User.get(u1.id, { bind: engine })).toBeFalsy();
    });

    suiteTest(ctx, 'test_delete_bind', async () => {
      const u1 = await create(ctx.engine());
      await u1.delete(crudTimeout(ctx));
      expect(await User.get(u1.id)).toBeFalsy();
    });

    suiteTest(ctx, 'test_delete_multiple_primary_key', async () => {
      const engine = ctx.engine();
      const u1 = await create(engine);
      const u2 = await create(engine);
      const f = await Friendship.create({ myId: u1.id, friendId: u2.id }, { bind: engine });
      await f.delete({ bind: engine });
      expect(await Friendship.get([u1.id, u2.id], { bind: engine })).toBeFalsy();
    });

    suiteTest(ctx, 'test_string_primary_key', async () => {
      const engine = ctx.engine();
      const relations = ['Colleagues', 'Friends', 'Lovers'];
      for (const r of relations) await Relation.create({ name: r }, { bind: engine, ...crudTimeout(ctx) });
      const r1 = await Relation.get(relations[0] as string, { bind: engine, ...crudTimeout(ctx) });
      expect(r1?.name).toBe(relations[0]);
    });

    suiteTest(ctx, 'test_lookup_287', async () => {
      class Game extends db.Model({
        __tablename__: 'games',
        gameId: db.Column(db.String(32), { name: 'game_id', unique: true }),
        channelId: db.Column(db.String(1), { name: 'channel_id', default: 'A' }),
      }) {}
      await Game.gino.create();
      try {
        const game1 = await Game.create({ gameId: '1', channelId: 'X' });
        const game2 = await Game.create({ gameId: '2', channelId: 'Y' });

        // An ordinary update is fine in memory, but applying it needs a way to name the row.
        const uq = game1.update({ gameId: '3' });
        await expect(uq.apply()).rejects.toThrow(/Game has no primary key/);

        // GINO: LookupError "Instance-level CRUD operations not allowed".
        await expect(game2.delete()).rejects.toThrow(/Game has no primary key/);
        expect(() => game2.query).toThrow(/Game has no primary key/);
        expect(() => game2.select('gameId')).toThrow(/Game has no primary key/);

        // The earlier in-memory update is still in effect.
        expect(game1.gameId).toBe('3');
        expect(await Game.select('gameId').orderBy(Game.gameId).gino.all()).toEqual([{ gameId: '1' }, { gameId: '2' }]);

        Game.prototype.lookup = function (this: Game): Expr<boolean> {
          return Game.gameId.eq(this.gameId);
        };
        try {
          await expect(game1.update({ channelId: 'Z' }).apply()).rejects.toBeInstanceOf(NoSuchRowError);
          await game2.update({ channelId: 'Z' }).apply();
          expect(await Game.select('channelId').orderBy(Game.gameId).gino.all()).toEqual([
            { channelId: 'X' },
            { channelId: 'Z' },
          ]);
        } finally {
          Reflect.deleteProperty(Game.prototype, 'lookup');
        }
      } finally {
        await Game.gino.drop();
      }
    });

    suiteTest(ctx, 'test_lookup_custom_name', async () => {
      class ModelWithCustomColumnNames extends db.Model({
        __tablename__: 'gino_test_custom_column_names',
        id: db.Column(db.Integer(), { name: 'other', primaryKey: true }),
        field: db.Column(db.Text()),
      }) {}
      const M = ModelWithCustomColumnNames;
      await M.gino.create();
      try {
        const m1 = await M.create({ id: 1, field: 'A' });
        await M.create({ id: 2, field: 'B' });
        await m1.update({ field: 'C' }).apply();
        const ids = async () => new Set((await M.select('id').gino.all()).map((r) => r.id));
        expect(await ids()).toEqual(new Set([1, 2]));
        expect((await M.get(2))?.field).toBe('B');
        expect((await M.get(1))?.field).toBe('C');
        expect(await M.get(3)).toBeNull();
        expect((await M.delete.where(M.id.eq(3)).gino.status()).status.at(-1)).toBe('0');
        expect((await M.delete.where(M.id.eq(2)).gino.status()).status.at(-1)).toBe('1');
        expect(await ids()).toEqual(new Set([1]));
      } finally {
        await M.gino.drop();
      }
    });
  });
}
