/**
 * GINO's `tests/test_executemany.py`, translated: one test per GINO test function, named after
 * it, with GINO's expectations. Running a statement with several sets of values (executemany)
 * returns nothing, whatever the method: `status`, `all`, `first`, `scalar` and `oneOrNone` give
 * null, `one` raises NoResultFound. GINO's keys are column names (`name`); here they are the
 * attribute keys (`nickname`), as everywhere in gino-edge.
 */
import { describe, expect } from 'vitest';
import { MultipleResultsFound, NoResultFound } from '../../src/index.js';
import { useGinoModels } from './gino-models.js';
import { type SuiteContext, suiteTest } from './harness.js';

export function ginoExecutemanySuite(ctx: SuiteContext): void {
  describe('GINO tests/test_executemany.py', () => {
    const { db } = ctx;
    const models = useGinoModels(db);
    const { User } = models;

    const nicknames = async () => new Set((await User.query.gino.all()).map((u) => u.nickname));

    suiteTest(ctx, 'test_status', async () => {
      const { sql, params } = db.compile(User.insert(), [{ nickname: '1' }, { nickname: '2' }]);
      expect(sql).toBe('INSERT INTO gino_users (name, type) VALUES ($1, $2)');
      expect(params).toEqual([
        ['1', 'USER'],
        ['2', 'USER'],
      ]);
      expect(await db.status(User.insert(), [{ nickname: '1' }, { nickname: '2' }])).toBeNull();
      expect(await User.query.gino.all()).toHaveLength(2);
      const result = await User.insert().gino.status({ nickname: '1' }, { nickname: '2' });
      expect(result).toBeNull();
      expect(await User.query.gino.all()).toHaveLength(4);
    });

    suiteTest(ctx, 'test_all', async () => {
      let result = await User.insert().returning(User.nickname).gino.all({ nickname: '1' }, { nickname: '2' });
      expect(result).toBeNull();
      expect(await User.query.gino.all()).toHaveLength(2);
      expect(await nicknames()).toEqual(new Set(['1', '2']));

      result = await User.insert().gino.all({ nickname: '3' }, { nickname: '4' });
      expect(result).toBeNull();
      expect(await User.query.gino.all()).toHaveLength(4);
      expect(await nicknames()).toEqual(new Set(['1', '2', '3', '4']));
    });

    suiteTest(ctx, 'test_first', async () => {
      let result = await User.insert().returning(User.nickname).gino.first({ nickname: '1' }, { nickname: '2' });
      expect(result).toBeNull();
      expect(await nicknames()).toEqual(new Set(['1', '2']));

      result = await User.insert().gino.first({ nickname: '3' }, { nickname: '4' });
      expect(result).toBeNull();
      expect(await User.query.gino.all()).toHaveLength(4);
      expect(await nicknames()).toEqual(new Set(['1', '2', '3', '4']));
    });

    suiteTest(ctx, 'test_one_or_none', async () => {
      expect(await User.query.gino.oneOrNone()).toBeNull();
      await User.create({ nickname: '0' });
      expect((await User.query.gino.oneOrNone())?.nickname).toBe('0');

      let result = await User.insert().returning(User.nickname).gino.oneOrNone({ nickname: '1' }, { nickname: '2' });
      expect(result).toBeNull();
      expect(await User.query.gino.all()).toHaveLength(3);
      expect(await nicknames()).toEqual(new Set(['0', '1', '2']));
      await expect(User.query.gino.oneOrNone()).rejects.toBeInstanceOf(MultipleResultsFound);

      result = await User.insert().gino.oneOrNone({ nickname: '3' }, { nickname: '4' });
      expect(result).toBeNull();
      expect(await nicknames()).toEqual(new Set(['0', '1', '2', '3', '4']));
      await expect(User.query.gino.oneOrNone()).rejects.toBeInstanceOf(MultipleResultsFound);
    });

    suiteTest(ctx, 'test_one', async () => {
      await expect(User.query.gino.one()).rejects.toBeInstanceOf(NoResultFound);
      await User.create({ nickname: '0' });
      expect((await User.query.gino.one()).nickname).toBe('0');

      await expect(
        User.insert().returning(User.nickname).gino.one({ nickname: '1' }, { nickname: '2' }),
      ).rejects.toBeInstanceOf(NoResultFound);
      expect(await User.query.gino.all()).toHaveLength(3);
      expect(await nicknames()).toEqual(new Set(['0', '1', '2']));
      await expect(User.query.gino.one()).rejects.toBeInstanceOf(MultipleResultsFound);

      await expect(User.insert().gino.one({ nickname: '3' }, { nickname: '4' })).rejects.toBeInstanceOf(NoResultFound);
      expect(await nicknames()).toEqual(new Set(['0', '1', '2', '3', '4']));
      await expect(User.query.gino.one()).rejects.toBeInstanceOf(MultipleResultsFound);
    });

    suiteTest(ctx, 'test_scalar', async () => {
      let result = await User.insert().returning(User.nickname).gino.scalar({ nickname: '1' }, { nickname: '2' });
      expect(result).toBeNull();
      expect(await nicknames()).toEqual(new Set(['1', '2']));

      result = await User.insert().gino.scalar({ nickname: '3' }, { nickname: '4' });
      expect(result).toBeNull();
      expect(await User.query.gino.all()).toHaveLength(4);
      expect(await nicknames()).toEqual(new Set(['1', '2', '3', '4']));
    });
  });
}
