/**
 * GINO's `tests/test_iterate.py`, translated: one test per GINO test function, named after it,
 * with GINO's expectations, except the difference from GINO in docs/guides/differences-from-gino.md: `iterate()` outside a
 * transaction opens one for its cursor (GINO raises "No Connection in context").
 */
import { afterEach, beforeAll, beforeEach, describe, expect } from 'vitest';
import { Gino, InvalidRequestError, UninitializedError } from '../../src/index.js';
import { clearGinoTables, defineGinoModels } from './gino-models.js';
import { capabilityTest, type SuiteContext } from './harness.js';

export function ginoIterateSuite(ctx: SuiteContext): void {
  describe('GINO tests/test_iterate.py', () => {
    const { db } = ctx;
    const models = defineGinoModels(db);
    const { User } = models;
    /** GINO's `names` fixture. */
    const names = new Set(['11', '22', '33']);

    beforeAll(async () => {
      await db.gino.dropAll();
      await db.gino.createAll();
    });
    beforeEach(async () => {
      await User.insert()
        .values([...names].map((nickname) => ({ nickname })))
        .gino.status();
    });
    afterEach(async () => {
      await clearGinoTables(models);
    });

    capabilityTest(
      ctx,
      'test_bind',
      'cursors',
      async () => {
        // Difference from GINO (docs/guides/differences-from-gino.md): outside a transaction the cursor opens its own.
        let result = new Set<string>();
        for await (const u of User.query.gino.iterate()) result.add(u.nickname as string);
        expect(result).toEqual(names);
        // A cursor object outside a transaction holds its own until its rows are exhausted.
        const outside = await User.query.gino.iterate();
        expect(new Set((await outside.many(10)).map((u) => u.nickname))).toEqual(names);
        expect(await outside.next()).toBeNull();
        expect(await User.query.gino.all()).toHaveLength(3);

        result = new Set();
        await db.transaction(async () => {
          for await (const u of User.query.gino.iterate()) result.add(u.nickname as string);
        });
        expect(result).toEqual(names);

        result = new Set();
        await db.transaction(async () => {
          for await (const u of db.iterate(User.query)) result.add(u.nickname as string);
        });
        expect(result).toEqual(names);

        result = new Set();
        await db.transaction(async () => {
          const cursor = await User.query.gino.iterate();
          result.add(((await cursor.next()) as InstanceType<typeof User>).nickname as string);
          expect(result).not.toEqual(names);
          for (const u of await cursor.many(1)) result.add(u.nickname as string);
          expect(result).not.toEqual(names);
          for (const u of await cursor.many(2)) result.add(u.nickname as string);
          expect(result).toEqual(names);
          for (const u of await cursor.many(2)) result.add(u.nickname as string);
          expect(result).toEqual(names);
          expect(await cursor.next()).toBeNull();
        });

        // GINO: ValueError "too many multiparams" — a cursor runs one statement with one set of values.
        await expect(
          db.transaction(async () => {
            await db.iterate(User.insert().returning(User.nickname), [
              { nickname: '444' },
              { nickname: '555' },
              { nickname: '666' },
            ] as never);
          }),
        ).rejects.toBeInstanceOf(InvalidRequestError);

        result = new Set();
        await db.transaction(async () => {
          const cursor = await User.query.gino.iterate();
          await cursor.forward(1);
          result.add(((await cursor.next()) as InstanceType<typeof User>).nickname as string);
          expect(result).not.toEqual(names);
          for (const u of await cursor.many(1)) result.add(u.nickname as string);
          expect(result).not.toEqual(names);
          for (const u of await cursor.many(2)) result.add(u.nickname as string);
          expect(result).not.toEqual(names);
          expect(await cursor.next()).toBeNull();
        });
      },
      () => User.query.gino.iterate(),
    );

    capabilityTest(
      ctx,
      'test_basic',
      'cursors',
      async () => {
        await ctx.engine().transaction(async (tx) => {
          // GINO's module-level db is unbound in this test: iterating through it fails.
          const unbound = new Gino();
          await expect(
            (async () => {
              for await (const _ of unbound.iterate(User.query)) break;
            })(),
          ).rejects.toBeInstanceOf(UninitializedError);

          // GINO's `tx.connection.iterate(query)`: the query bound to the transaction's connection.
          let result = new Set<string>();
          for await (const u of db.iterate(User.query, { bind: tx.connection })) result.add(u.nickname as string);
          const limited = ctx.capabilities().timeouts ? User.query.gino.timeout(1000) : User.query.gino;
          for await (const u of limited.iterate({ bind: tx.connection })) result.add(u.nickname as string);
          expect(result).toEqual(names);

          result = new Set();
          const cursor = await db.iterate(User.query, { bind: tx.connection });
          for (const u of await cursor.many(2)) result.add(u.nickname as string);
          expect(result).not.toEqual(names);
          for (const u of await cursor.many(2)) result.add(u.nickname as string);
          expect(result).toEqual(names);
        });
      },
      () => User.query.gino.iterate(),
    );
  });
}
