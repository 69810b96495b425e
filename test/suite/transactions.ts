/**
 * Transactions (issue 5, item 1): commit/rollback, savepoints, raiseCommit/raiseRollback, manual
 * control, implicit binding through the scope, `{ bind: tx }` everywhere, server-side options, and
 * connections that never leak or get shared.
 */
import { beforeAll, beforeEach, describe, expect } from 'vitest';
import { type DatabaseError, GinoError, InvalidRequestError, type Transaction } from '../../src/index.js';
import { capabilityTest, concurrentTest, expectUnsupported, idleInTransaction, type SuiteContext } from './harness.js';

export function transactionsSuite(ctx: SuiteContext): void {
  describe('transactions', () => {
    const { db } = ctx;
    class Item extends db.Model({
      __tablename__: 'tx_items',
      id: db.Column(db.Integer(), { primaryKey: true }),
      name: db.Column(db.String(40), { nullable: false, unique: true }),
      n: db.Column(db.Integer(), { serverDefault: 0, nullable: false }),
    }) {}

    const names = async () => (await Item.query.orderBy(Item.id).gino.all()).map((i) => i.name);
    const txid = () => db.scalar<string>('SELECT txid_current()::text');
    const pid = () => db.scalar<number>('SELECT pg_backend_pid()');

    beforeAll(async () => {
      await db.gino.dropAll();
      await db.gino.createAll();
    });
    beforeEach(async () => {
      await Item.delete.gino.status();
      ctx.clearLog();
    });

    capabilityTest(
      ctx,
      'commits when the callback resolves, rolls back when it throws, resolves to its value',
      'transactions',
      async () => {
        const value = await db.transaction(async () => {
          await Item.create({ name: 'kept' });
          return 42;
        });
        expect(value).toBe(42);
        const boom = new Error('boom');
        await expect(
          db.transaction(async () => {
            await Item.create({ name: 'lost' });
            throw boom;
          }),
        ).rejects.toBe(boom);
        await expect(
          db.transaction(async () => {
            await Item.create({ name: 'lost too' });
            await Item.create({ name: 'kept' }); // unique violation
          }),
        ).rejects.toMatchObject({ code: '23505' });
        expect(await names()).toEqual(['kept']);
        expect(ctx.sql()).toContain('COMMIT');
        expect(ctx.sql()).toContain('ROLLBACK');
        expect(await idleInTransaction(ctx)).toBe(0);
      },
      () => db.transaction(async () => undefined),
    );

    capabilityTest(
      ctx,
      'every query inside the callback runs on the transaction, without passing tx',
      'transactions',
      async () => {
        let seen: unknown[] = [];
        await db.transaction(async (tx) => {
          const first = await txid();
          const item = await Item.create({ name: 'implicit' });
          await item.update({ n: 5 }).apply();
          const again = await Item.get(item.id);
          const rows = await db.all(Item.query);
          const counted = await db.func.count(Item.id).gino.scalar();
          const viaSelect = await Item.select('n').where(Item.id.eq(item.id)).gino.scalar();
          // Concurrent queries inside one transaction queue on its connection instead of colliding.
          const parallel = await Promise.all(Array.from({ length: 15 }, () => txid()));
          seen = [first, ...parallel, await txid()];
          expect(again?.n).toBe(5);
          expect(rows).toHaveLength(1);
          expect(counted).toBe(1);
          expect(viaSelect).toBe(5);
          await item.delete();
          expect(await Item.get(item.id)).toBeNull();
          tx.raiseRollback();
        });
        expect(new Set(seen).size).toBe(1);
        expect(await names()).toEqual([]);
        // Outside, a new transaction id: the callback's scope is over.
        expect(await txid()).not.toBe(seen[0]);
      },
      () => db.transaction(async () => undefined),
    );

    capabilityTest(
      ctx,
      'nested transactions are savepoints; raiseCommit / raiseRollback end only their own level',
      'transactions',
      async () => {
        if (!ctx.capabilities().savepoints) {
          await db.transaction(async () => {
            await expectUnsupported(ctx, () => db.transaction(async () => undefined));
          });
          return;
        }
        const after: string[] = [];
        const out = await db.transaction(async (outer) => {
          await Item.create({ name: 'outer' });
          const inner1 = await db.transaction(async (inner) => {
            expect(inner.parent).toBe(outer);
            await Item.create({ name: 'rolled back' });
            inner.raiseRollback();
          });
          after.push('after inner1');
          expect(inner1).toBeUndefined();
          await db.transaction(async (inner) => {
            await Item.create({ name: 'released' });
            inner.raiseCommit();
          });
          // An error caught in the outer callback rolls back its savepoint only.
          await db
            .transaction(async () => {
              await Item.create({ name: 'failed' });
              await Item.create({ name: 'outer' });
            })
            .catch((e: unknown) => after.push((e as DatabaseError).code ?? 'none'));
          expect(await names()).toEqual(['outer', 'released']);
          return 'done';
        });
        expect(out).toBe('done');
        expect(after).toEqual(['after inner1', '23505']);
        expect(await names()).toEqual(['outer', 'released']);
        const sql = ctx.sql();
        expect(sql.filter((s) => /^SAVEPOINT gino_sp_\d+$/.test(s))).toHaveLength(3);
        expect(sql.some((s) => /^ROLLBACK TO SAVEPOINT gino_sp_\d+$/.test(s))).toBe(true);
        expect(sql.some((s) => /^RELEASE SAVEPOINT gino_sp_\d+$/.test(s))).toBe(true);
      },
      () => db.transaction(async () => undefined),
    );

    capabilityTest(
      ctx,
      'raising an outer level from inside an inner one ends both (inner as asked, then outer)',
      'savepoints',
      async () => {
        await db.transaction(async (outer) => {
          await Item.create({ name: 'a' });
          await db.transaction(async () => {
            await Item.create({ name: 'b' });
            outer.raiseRollback();
          });
          throw new Error('not reached');
        });
        expect(await names()).toEqual([]);
        let reached = false;
        await db.transaction(async (outer) => {
          await Item.create({ name: 'c' });
          await db.transaction(async () => {
            await Item.create({ name: 'd' });
            outer.raiseCommit();
          });
          reached = true;
        });
        expect(reached).toBe(false);
        expect(await names()).toEqual(['c', 'd']);
      },
      () => db.transaction(async () => undefined),
    );

    capabilityTest(
      ctx,
      'manual control: tx.commit() / tx.rollback() inside the callback, and db.begin()',
      'transactions',
      async () => {
        await db.transaction(async (tx) => {
          await Item.create({ name: 'committed by hand' });
          await tx.commit();
          await expect(tx.all('SELECT 1')).rejects.toThrow(/transaction has ended/);
          await expect(tx.commit()).rejects.toThrow(GinoError);
        });
        await db.transaction(async (tx) => {
          await Item.create({ name: 'rolled back by hand' });
          await tx.rollback();
        });
        expect(await names()).toEqual(['committed by hand']);

        const tx = await db.begin();
        await Item.create({ name: 'begun' }, { bind: tx });
        expect(await db.scalar(Item.select('name').where(Item.c.name.eq('begun')), { bind: tx })).toBe('begun');
        await tx.rollback();
        const tx2 = await db.begin({ isolation: 'repeatable read' });
        expect(await tx2.scalar('SHOW transaction_isolation')).toBe('repeatable read');
        await Item.create({ name: 'begun and committed' }, { bind: tx2 });
        await tx2.commit();
        // Both gave their connection back (on a one-connection adapter this would otherwise wait forever).
        expect(await names()).toEqual(['committed by hand', 'begun and committed']);
        expect(await idleInTransaction(ctx)).toBe(0);
      },
      () => db.begin(),
    );

    capabilityTest(
      ctx,
      '{ bind: tx } reaches the transaction from every entry point',
      'transactions',
      async () => {
        // Everything given { bind: tx } runs in it (implicit binding inside it is the GINO suite's).
        await ctx.engine().transaction(async (tx: Transaction) => {
          const id = await tx.scalar<string>('SELECT txid_current()::text');
          const ids: (string | null)[] = [];
          const mark = async () => ids.push(await db.scalar<string>('SELECT txid_current()::text', [], { bind: tx }));
          const a = await Item.create({ name: 'a' }, { bind: tx });
          const b = new Item({ name: 'b' });
          await b.create({ bind: tx });
          await mark();
          await a.update({ n: 1 }).apply({ bind: tx });
          expect((await Item.get(a.id, { bind: tx }))?.n).toBe(1);
          expect(await Item.query.gino.all({ bind: tx })).toHaveLength(2);
          expect(await db.all(Item.query, { bind: tx })).toHaveLength(2);
          expect(await db.first(Item.query.where(Item.c.name.eq('b')), [], { bind: tx })).toMatchObject({ name: 'b' });
          expect(await Item.update.values({ n: 2 }).gino.status({ bind: tx })).toMatchObject({ rowCount: 2 });
          expect(await b.delete({ bind: tx })).toBe('DELETE 1');
          expect(await tx.all(Item.query)).toHaveLength(1);
          await db.transaction(
            async () => {
              await Item.create({ name: 'nested' });
              await mark();
            },
            { bind: tx },
          );
          await mark();
          expect(ids).toEqual([id, id, id]);
          const [batched] = await db.batch([Item.query.orderBy(Item.id)], { bind: tx });
          expect(batched.map((i) => i.name)).toEqual(['a', 'nested']);
          if (ctx.capabilities().cursors) {
            const iterated: string[] = [];
            for await (const i of Item.query.orderBy(Item.id).gino.iterate({ bind: tx })) iterated.push(i.name);
            for await (const r of db.iterate<{ t: string }>('SELECT txid_current()::text AS t', { bind: tx }))
              iterated.push(r.t);
            expect(iterated).toEqual(['a', 'nested', id]);
          }
          expect(await tx.all('SELECT name FROM tx_items ORDER BY id')).toEqual([{ name: 'a' }, { name: 'nested' }]);
          tx.raiseRollback();
        });
        expect(await names()).toEqual([]);
      },
      () => ctx.engine().transaction(async () => undefined),
    );

    capabilityTest(
      ctx,
      'isolation, readOnly and deferrable reach the server',
      'transactions',
      async () => {
        const show = (what: string) => db.scalar<string>(`SHOW ${what}`);
        await db.transaction(
          async () => {
            expect(await show('transaction_isolation')).toBe('serializable');
            expect(await show('transaction_read_only')).toBe('on');
            expect(await show('transaction_deferrable')).toBe('on');
          },
          { isolation: 'serializable', readOnly: true, deferrable: true },
        );
        await db.transaction(async () => expect(await show('transaction_isolation')).toBe('repeatable read'), {
          isolation: 'repeatable read',
        });
        await db.transaction(async () => expect(await show('transaction_read_only')).toBe('off'), { readOnly: false });
        expect(ctx.sql()).toContain('BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE');
        await expect(db.transaction(() => Item.create({ name: 'ro' }), { readOnly: true })).rejects.toMatchObject({
          name: 'DatabaseError',
          code: '25006',
        });
        expect(await names()).toEqual([]);
        // Refused before any I/O: a bad level, and options on a savepoint.
        ctx.clearLog();
        await expect(
          db.transaction(async () => undefined, { isolation: 'chaos' as 'serializable' }),
        ).rejects.toBeInstanceOf(GinoError);
        expect(ctx.log).toHaveLength(0);
        await db.transaction(async () => {
          await expect(db.transaction(async () => undefined, { readOnly: true })).rejects.toBeInstanceOf(
            InvalidRequestError,
          );
        });
      },
      () => db.transaction(async () => undefined, { isolation: 'serializable' }),
    );

    capabilityTest(
      ctx,
      'concurrent transactions each get their own connection and transaction',
      'transactions',
      async () => {
        const runs = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            db.transaction(async () => {
              const ids = [await txid()];
              await Item.create({ name: `conc-${i}` });
              ids.push(await txid());
              await db.scalar('SELECT pg_sleep(0.01)');
              ids.push(...(await Promise.all([txid(), txid()])));
              return ids;
            }),
          ),
        );
        for (const ids of runs) expect(new Set(ids).size).toBe(1);
        expect(new Set(runs.map((ids) => ids?.[0])).size).toBe(12);
        expect(await names()).toHaveLength(12);
        expect(await idleInTransaction(ctx)).toBe(0);
      },
      () => Promise.all([db.transaction(async () => undefined), db.transaction(async () => undefined)]),
    );

    concurrentTest(ctx, 'transactions open at the same time hold distinct connections', async () => {
      const n = 5;
      let arrived = 0;
      let open!: () => void;
      const allOpen = new Promise<void>((resolve) => {
        open = resolve;
      });
      const pids = await Promise.all(
        Array.from({ length: n }, () =>
          db.transaction(async () => {
            const mine = await pid();
            if (++arrived === n) open();
            await allOpen;
            expect(await pid()).toBe(mine);
            return mine;
          }),
        ),
      );
      expect(new Set(pids).size).toBe(n);
    });

    capabilityTest(
      ctx,
      'nested transactions started concurrently take turns on their connection',
      'savepoints',
      async () => {
        await db.transaction(async () => {
          await Promise.all(
            Array.from({ length: 6 }, (_, i) =>
              db.transaction(async (sp) => {
                await Item.create({ name: `sp-${i}` });
                await db.scalar('SELECT pg_sleep(0.005)');
                if (i % 2) sp.raiseRollback();
              }),
            ),
          );
        });
        expect(await names()).toEqual(['sp-0', 'sp-2', 'sp-4']);
      },
      () => db.transaction(async () => undefined),
    );

    capabilityTest(
      ctx,
      'a connection always goes back, whatever the callback throws',
      'transactions',
      async () => {
        // More failing transactions than a pool holds: a leak would make the last ones wait forever.
        for (let i = 0; i < 24; i++) {
          const attempt = db.transaction(async (tx) => {
            await Item.create({ name: `leak-${i}` });
            if (i % 4 === 0) throw new Error('plain error');
            if (i % 4 === 1) await db.all('SELECT * FROM no_such_table');
            if (i % 4 === 2) tx.raiseRollback();
            throw 'a string';
          });
          if (i % 4 === 2) await expect(attempt).resolves.toBeUndefined();
          else await expect(attempt).rejects.toBeDefined();
        }
        // A callback that ends the transaction by hand and then throws.
        await expect(
          db.transaction(async (tx) => {
            await tx.rollback();
            throw new Error('after rollback');
          }),
        ).rejects.toThrow('after rollback');
        // A begin() left open inside acquire() is rolled back before the connection goes back.
        await db.acquire(async () => {
          const tx = await db.begin();
          await Item.create({ name: 'never committed' }, { bind: tx });
        });
        expect(await names()).toEqual([]);
        expect(await idleInTransaction(ctx)).toBe(0);
        expect(await db.transaction(async () => 'still fine')).toBe('still fine');
      },
      () => db.transaction(async () => undefined),
    );
  });
}
