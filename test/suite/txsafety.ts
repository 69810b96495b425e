/**
 * Transaction safety: a COMMIT that PostgreSQL answered with ROLLBACK rejects (naming the statement
 * that failed first); work sent on a transaction level, or on a held connection, while a savepoint
 * or a transaction is open on it waits for that level to end instead of being undone with it; and
 * a scope opened inside a transaction keeps the transaction. Checked against raw SQL and
 * PostgreSQL's own record of each transaction (txid_status), not against what gino-edge returns.
 */
import { beforeAll, beforeEach, describe, expect } from 'vitest';
import {
  DatabaseError,
  Engine,
  QueryTimeoutError,
  type Transaction,
  TransactionRolledBackError,
} from '../../src/index.js';
import { capabilityTest, concurrentTest, expectUnsupported, idleInTransaction, type SuiteContext } from './harness.js';
import { statementDone, txidStatus } from './support.js';

export function txSafetySuite(ctx: SuiteContext): void {
  describe('transaction safety', () => {
    const { db } = ctx;
    class Acct extends db.Model({
      __tablename__: 'txs_acct',
      id: db.Column(db.Integer(), { primaryKey: true }),
      owner: db.Column(db.Integer()),
      bal: db.Column(db.Integer()),
    }) {}

    /** The ids in the table, read with raw SQL on the engine (outside any transaction). */
    const ids = async (): Promise<number[]> =>
      (await db.all<{ id: number }>('SELECT id FROM txs_acct ORDER BY id', [], { bind: ctx.engine() })).map(
        (r) => r.id,
      );
    const txid = () => db.scalar<string>('SELECT txid_current()::text');
    const noop = () => undefined;
    const failure = (p: Promise<unknown>): Promise<unknown> =>
      p.then(
        () => undefined,
        (e: unknown) => e,
      );

    beforeAll(async () => {
      await db.gino.dropAll();
      await db.gino.createAll();
    });
    beforeEach(async () => {
      await db.status('DELETE FROM txs_acct', [], { bind: ctx.engine() });
      ctx.clearLog();
    });

    const anyTransaction = () => db.transaction(async () => undefined);

    // ---- a COMMIT that did not commit --------------------------------------------------------

    capabilityTest(
      ctx,
      'db.transaction rejects when PostgreSQL answers COMMIT with ROLLBACK after a handled error',
      'transactions',
      async () => {
        let id = '';
        const error = await failure(
          db.transaction(async () => {
            id = (await txid()) ?? '';
            await Acct.create({ id: 1, owner: 1, bal: 10 });
            await db.status('SELECT 1/0').catch(noop);
            // Refused by the server too (25P02): the first failure is the one named.
            await Acct.create({ id: 2, owner: 1, bal: 20 }).catch(noop);
            return 'resolved';
          }),
        );
        expect(error).toBeInstanceOf(TransactionRolledBackError);
        const e = error as TransactionRolledBackError;
        expect(e.sql).toBe('SELECT 1/0');
        expect(e.cause).toBeInstanceOf(DatabaseError);
        expect((e.cause as DatabaseError).code).toBe('22012');
        expect(e.message).toMatch(/rolled back/);
        expect(e.message).toContain('SELECT 1/0');
        expect(await txidStatus(ctx, id)).toBe('aborted');
        expect(await ids()).toEqual([]);

        // raiseCommit() after a handled failure cannot commit either.
        const raised = await failure(
          db.transaction(async (tx) => {
            await Acct.create({ id: 3, owner: 2, bal: 5 });
            await db.all('SELECT * FROM txs_no_such_table').catch(noop);
            tx.raiseCommit();
          }),
        );
        expect(raised).toBeInstanceOf(TransactionRolledBackError);
        expect((raised as TransactionRolledBackError).sql).toBe('SELECT * FROM txs_no_such_table');
        expect(await ids()).toEqual([]);
        expect(await idleInTransaction(ctx)).toBe(0);
      },
      anyTransaction,
    );

    capabilityTest(
      ctx,
      'the adapter reports the tag PostgreSQL answers COMMIT with: ROLLBACK after a failed statement',
      'transactions',
      async () => {
        const tags = await db.acquire(async (conn) => {
          const out: string[] = [];
          for (const sql of ['BEGIN', 'SELECT 1/0', 'COMMIT', 'BEGIN', 'SELECT 1', 'COMMIT']) {
            out.push(
              await conn.status(sql).then(
                (r) => r.status,
                (e: DatabaseError) => `error ${e.code}`,
              ),
            );
          }
          return out;
        });
        expect(tags).toEqual(['BEGIN', 'error 22012', 'ROLLBACK', 'BEGIN', 'SELECT 1', 'COMMIT']);
      },
      anyTransaction,
    );

    capabilityTest(
      ctx,
      'db.begin() … tx.commit() rejects after a handled error, ends the transaction and gives its connection back',
      'transactions',
      async () => {
        const tx = await db.begin();
        const id = (await tx.scalar<string>('SELECT txid_current()::text')) ?? '';
        await Acct.create({ id: 1, owner: 1, bal: 10 }, { bind: tx });
        await tx.status('UPDATE txs_acct SET bal = bal / 0').catch(noop);
        const error = await failure(tx.commit());
        expect(error).toBeInstanceOf(TransactionRolledBackError);
        expect((error as TransactionRolledBackError).sql).toBe('UPDATE txs_acct SET bal = bal / 0');
        expect(tx.done).toBe(true);
        expect(await txidStatus(ctx, id)).toBe('aborted');
        expect(await ids()).toEqual([]);
        expect(await idleInTransaction(ctx)).toBe(0);
        // A transaction without failures still commits.
        const ok = await db.begin();
        await Acct.create({ id: 2, owner: 1, bal: 20 }, { bind: ok });
        await ok.commit();
        expect(await ids()).toEqual([2]);
      },
      () => db.begin(),
    );

    capabilityTest(
      ctx,
      'a savepoint whose statement failed: its RELEASE names that statement, it is rolled back, the outer level goes on',
      'savepoints',
      async () => {
        await db.transaction(async () => {
          await Acct.create({ id: 1, owner: 1, bal: 10 });
          const nested = await failure(
            db.transaction(async () => {
              await Acct.create({ id: 2, owner: 1, bal: 20 });
              await db.status('SELECT 1/0').catch(noop);
            }),
          );
          expect(nested).toBeInstanceOf(TransactionRolledBackError);
          expect((nested as TransactionRolledBackError).sql).toBe('SELECT 1/0');
          expect((nested as Error).message).toMatch(/savepoint/);
          // By hand: commit() of the savepoint rejects the same way and ends it.
          const sp = await db.begin();
          await Acct.create({ id: 3, owner: 2, bal: 5 }, { bind: sp });
          await sp.status('SELECT * FROM txs_no_such_table').catch(noop);
          const manual = await failure(sp.commit());
          expect(manual).toBeInstanceOf(TransactionRolledBackError);
          expect((manual as TransactionRolledBackError).sql).toBe('SELECT * FROM txs_no_such_table');
          expect(sp.done).toBe(true);
          // A failure caught around a nested transaction leaves the outer level usable.
          await db.transaction(() => db.status('SELECT 1/0')).catch(noop);
          await Acct.create({ id: 4, owner: 2, bal: 1 });
        });
        expect(await ids()).toEqual([1, 4]);
      },
      anyTransaction,
    );

    capabilityTest(
      ctx,
      "a batch's transaction is not aborted by a statement sent meanwhile on its connection",
      'transactions',
      async () => {
        await db.acquire(async () => {
          // Sent on the connection right after the batch's last statement, before its COMMIT.
          const late = statementDone(ctx, /^INSERT INTO txs_acct/).then(() => db.status('SELECT 1/0'));
          const rows = await db.batch([Acct.insert().values({ id: 1, owner: 1, bal: 10 })]);
          expect(rows).toEqual([[]]);
          const error = await failure(late);
          expect(error).toBeInstanceOf(DatabaseError);
          expect((error as DatabaseError).code).toBe('22012');
        });
        expect(await ids()).toEqual([1]);
        expect(await idleInTransaction(ctx)).toBe(0);
      },
      () => db.acquire(async () => undefined),
    );

    capabilityTest(
      ctx,
      "a cursor's own transaction rejects when a statement in the loop made its COMMIT a ROLLBACK",
      'cursors',
      async () => {
        await Acct.insert()
          .values([
            { id: 1, owner: 1, bal: 10 },
            { id: 2, owner: 1, bal: 20 },
          ])
          .gino.status();
        const error = await failure(
          db.acquire(async () => {
            // Inside acquire() with no transaction open, the cursor's transaction holds the loop's statements.
            for await (const row of Acct.query.orderBy(Acct.id).gino.iterate({ prefetch: 1 })) {
              await Acct.update.values({ bal: 0 }).where(Acct.id.eq(row.id)).gino.status();
              await db.status('SELECT 1/0').catch(noop);
              break;
            }
          }),
        );
        expect(error).toBeInstanceOf(TransactionRolledBackError);
        expect((error as TransactionRolledBackError).sql).toBe('SELECT 1/0');
        expect(await db.all('SELECT id, bal FROM txs_acct ORDER BY id', [], { bind: ctx.engine() })).toEqual([
          { id: 1, bal: 10 },
          { id: 2, bal: 20 },
        ]);
        expect(await idleInTransaction(ctx)).toBe(0);
      },
      () => db.iterate(Acct.query),
    );

    // ---- concurrent work inside one transaction ------------------------------------------------

    capabilityTest(
      ctx,
      'a nested transaction that throws does not take a concurrent write of the outer level with it',
      'savepoints',
      async () => {
        await db.transaction(async () => {
          // Written on the outer level right after the nested SAVEPOINT: it waits for the savepoint to end.
          const outer = statementDone(ctx, /^SAVEPOINT gino_sp_/).then(() => Acct.create({ id: 2, owner: 1, bal: 20 }));
          const [nested, write] = await Promise.allSettled([
            db.transaction(async () => {
              await Acct.create({ id: 1, owner: 1, bal: 10 });
              throw new Error('nested fails');
            }),
            outer,
          ]);
          expect(nested.status).toBe('rejected');
          expect(write.status).toBe('fulfilled');
        });
        expect(await ids()).toEqual([2]);
        // The form, without a hook.
        await db.transaction(async () => {
          const [nested, write] = await Promise.allSettled([
            db.transaction(async () => {
              await Acct.create({ id: 3, owner: 2, bal: 5 });
              throw new Error('nested fails');
            }),
            Acct.create({ id: 4, owner: 2, bal: 5 }),
          ]);
          expect(nested.status).toBe('rejected');
          expect(write.status).toBe('fulfilled');
        });
        expect(await ids()).toEqual([2, 4]);
      },
      anyTransaction,
    );

    capabilityTest(
      ctx,
      'a timeout(ms) savepoint inside a transaction does not take a concurrent write with it',
      'timeouts',
      async () => {
        if (!ctx.capabilities().transactions) {
          await expectUnsupported(ctx, anyTransaction);
          return;
        }
        await db.transaction(async () => {
          const outer = statementDone(ctx, /^SAVEPOINT gino_timeout_/).then(() =>
            Acct.create({ id: 1, owner: 1, bal: 10 }),
          );
          const [timed, write] = await Promise.allSettled([
            db
              .select([db.func.pg_sleep(5)])
              .gino.timeout(150)
              .scalar(),
            outer,
          ]);
          expect(timed.status === 'rejected' && timed.reason).toBeInstanceOf(QueryTimeoutError);
          expect(write.status).toBe('fulfilled');
          // The write did not run under the cancelled statement's limit either.
          expect(await db.scalar('SHOW statement_timeout')).toBe('0');
        });
        expect(await ids()).toEqual([1]);
      },
      () =>
        db
          .select([db.func.pg_sleep(0)])
          .gino.timeout(150)
          .scalar(),
    );

    capabilityTest(
      ctx,
      'a statement on a held connection waits while a transaction is open on it',
      'sessions',
      async () => {
        if (!ctx.capabilities().transactions) {
          await expectUnsupported(ctx, anyTransaction);
          return;
        }
        await db.acquire(async () => {
          const outside = statementDone(ctx, /^BEGIN/).then(() => Acct.create({ id: 1, owner: 1, bal: 10 }));
          const [tx, write] = await Promise.allSettled([
            db.transaction(async () => {
              await Acct.create({ id: 2, owner: 1, bal: 20 });
              throw new Error('transaction fails');
            }),
            outside,
          ]);
          expect(tx.status).toBe('rejected');
          expect(write.status).toBe('fulfilled');
          // Two transactions started together on one connection run one after the other, not nested.
          const [first, second] = await Promise.allSettled([
            db.transaction(async () => {
              await Acct.create({ id: 3, owner: 2, bal: 5 });
              throw new Error('first fails');
            }),
            db.transaction(() => Acct.create({ id: 4, owner: 2, bal: 5 })),
          ]);
          expect(first.status).toBe('rejected');
          expect(second.status).toBe('fulfilled');
          // A transaction begun by hand is where the connection's statements go until it ends (no wait).
          const manual = await db.begin();
          await Acct.create({ id: 5, owner: 3, bal: 0 });
          await manual.rollback();
        });
        expect(await ids()).toEqual([1, 4]);
        expect(await idleInTransaction(ctx)).toBe(0);
      },
      () => db.acquire(async () => undefined),
    );

    capabilityTest(
      ctx,
      'an outer level bound explicitly from inside a nested callback runs there instead of waiting for itself',
      'savepoints',
      async () => {
        let outerTx: Transaction | undefined;
        await db.transaction(async (outer) => {
          outerTx = outer;
          await db.transaction(async (inner) => {
            await Acct.create({ id: 1, owner: 1, bal: 10 }, { bind: outer });
            await db.status('UPDATE txs_acct SET bal = 11', { bind: outer });
            expect(await db.scalar('SELECT bal FROM txs_acct WHERE id = 1', [], { bind: outer })).toBe(11);
            inner.raiseRollback();
          });
          await Acct.create({ id: 2, owner: 1, bal: 20 }, { bind: outer });
        });
        expect(outerTx?.done).toBe(true);
        // What PostgreSQL does physically: the first write was inside the rolled-back savepoint.
        expect(await ids()).toEqual([2]);
        await db.acquire(async (conn) => {
          await db.transaction(async (tx) => {
            await Acct.create({ id: 3, owner: 2, bal: 5 }, { bind: conn });
            // Methods of the enclosing level itself, called from inside, too.
            expect(await conn.scalar('SELECT count(*)::int FROM txs_acct')).toBe(2);
            tx.raiseRollback();
          });
        });
        await db.transaction(async (outer) => {
          await db.transaction(async () => {
            await outer.status('INSERT INTO txs_acct (id) VALUES (5)');
            expect(await outer.scalar('SELECT count(*)::int FROM txs_acct')).toBe(2);
          });
        });
        expect(await ids()).toEqual([2, 5]);
      },
      anyTransaction,
    );

    // ---- scopes inside a transaction -----------------------------------------------------------

    capabilityTest(
      ctx,
      'db.scope() and db.withBind(same engine) inside a transaction keep the transaction',
      'transactions',
      async () => {
        const engine = ctx.engine();
        await db.transaction(async (tx) => {
          const mine = await txid();
          expect(
            await db.scope(async () => {
              await Acct.create({ id: 1, owner: 1, bal: 10 });
              return txid();
            }),
          ).toBe(mine);
          expect(
            await db.withBind(engine, async () => {
              await Acct.create({ id: 2, owner: 1, bal: 20 });
              return txid();
            }),
          ).toBe(mine);
          expect(
            await db.scope(async () => {
              await db.setBind(engine);
              try {
                await db.scope(() => Acct.create({ id: 3, owner: 2, bal: 5 }));
                return await txid();
              } finally {
                db.popBind();
              }
            }),
          ).toBe(mine);
          expect(await db.all('SELECT id FROM txs_acct ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
          tx.raiseRollback();
        });
        expect(await ids()).toEqual([]);
        expect(engine.isClosed).toBe(false);
        if (ctx.capabilities().sessions) {
          await db.acquire(async () => {
            const pid = await db.scalar('SELECT pg_backend_pid()');
            expect(await db.scope(() => db.scalar('SELECT pg_backend_pid()'))).toBe(pid);
          });
        }
      },
      anyTransaction,
    );

    concurrentTest(ctx, 'another engine bound explicitly inside a transaction runs there', async () => {
      const { bind, options } = await ctx.adapter.bind();
      const other = bind instanceof Engine ? bind : await db.createEngine(bind, options ?? {});
      try {
        await db.transaction(async (tx) => {
          const mine = await txid();
          expect(
            await db.withBind(other, async () => {
              await Acct.create({ id: 1, owner: 1, bal: 10 });
              return txid();
            }),
          ).not.toBe(mine);
          tx.raiseRollback();
        });
        // Committed on its own, outside the rolled-back transaction.
        expect(await ids()).toEqual([1]);
      } finally {
        await other.close();
      }
    });
  });
}
