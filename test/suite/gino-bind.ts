/**
 * GINO's `tests/test_bind.py`, translated: one test per GINO test function, named after it, with
 * GINO's expectations. GINO's `bind` fixture is the suite's binding; test_unbind binds a Gino of
 * its own to a new engine of the adapter under test.
 */
import { describe, expect } from 'vitest';
import { Gino, UninitializedError } from '../../src/index.js';
import { defineGinoModels, randomName, useGinoModels } from './gino-models.js';
import { type SuiteContext, suiteTest } from './harness.js';

export function ginoBindSuite(ctx: SuiteContext): void {
  describe('GINO tests/test_bind.py', () => {
    const { db } = ctx;
    const models = useGinoModels(db);
    const { User } = models;

    async function create(model: typeof User = User) {
      const nickname = `test_create_${Math.random()}`;
      const u = await model.create({ nickname });
      expect(u.id).not.toBeNull();
      expect(u.nickname).toBe(nickname);
      return u;
    }

    suiteTest(ctx, 'test_create', async () => {
      await create();
    });

    suiteTest(ctx, 'test_get', async () => {
      const u1 = await create();
      const u2 = await User.get(u1.id);
      expect(u1.id).toBe(u2?.id);
      expect(u1.nickname).toBe(u2?.nickname);
      expect(u1).not.toBe(u2);
    });

    suiteTest(ctx, 'test_unbind', async () => {
      const own = new Gino();
      const { User: OwnUser } = defineGinoModels(own);
      const { bind, options } = await ctx.adapter.bind();
      await own.setBind(bind, options ?? {});
      await create(OwnUser);
      await own.popBind().close();
      own.bind = null;
      await expect(create(OwnUser)).rejects.toBeInstanceOf(UninitializedError);
      // The unbound engine is a clear error, not an undefined one.
      expect(() => own.bind.first('SELECT 1')).toThrow(UninitializedError);
    });

    suiteTest(ctx, 'test_db_api', async () => {
      const name = randomName();
      expect(await db.scalar(User.insert().values({ nickname: name }).returning(User.nickname))).toBe(name);
      expect((await db.first(User.query.where(User.nickname.eq(name))))?.nickname).toBe(name);
      expect(await db.all(User.query.where(User.nickname.eq(name)))).toHaveLength(1);
      expect((await db.status(User.delete.where(User.nickname.eq(name)))).status).toBe('DELETE 1');
      const { params } = db.compile(User.query.where(User.id.eq(3)));
      expect(params[0]).toBe(3);
    });
  });
}
