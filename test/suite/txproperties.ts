/**
 * Property-based tests of transactions (fast-check, seeded and bounded), against a JavaScript
 * model of what must be in the table and against PostgreSQL's own record of each transaction:
 *  (a) concurrent work inside one transaction — writes on a level, nested transactions that
 *      commit or throw, timeout()s — started at random points of the statement stream: every
 *      write whose promise resolved, outside any rolled-back savepoint, is in the table, and
 *      nothing else is;
 *  (b) COMMIT outcomes — good and failing statements (the failures handled by the caller) in
 *      db.transaction() or db.begin(), at the top level and in nested transactions: the call
 *      resolves iff PostgreSQL committed (txid_status), and the table matches the model.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect } from 'vitest';
import { DatabaseError, QueryTimeoutError, type Transaction, TransactionRolledBackError } from '../../src/index.js';
import { capabilityTest, idleInTransaction, type SuiteContext } from './harness.js';
import { statementClock, txidStatus } from './support.js';

const SEED = 20_240_607;
const RUNS = 60;

/** One piece of concurrent work, started after the `start`-th statement of the run. */
type Op =
  | { kind: 'write'; start: number }
  | { kind: 'timed'; start: number; timesOut: boolean }
  | { kind: 'nested'; start: number; commits: boolean; ops: Op[] };

/** A program with its writes numbered, and what the model expects of each part. */
interface Planned {
  kind: Op['kind'];
  start: number;
  id: number;
  timesOut: boolean;
  commits: boolean;
  ops: Planned[];
}

function opArb(depth: number, timeouts: boolean): fc.Arbitrary<Op> {
  const start = fc.nat({ max: 14 });
  const write = fc.record({ kind: fc.constant('write' as const), start });
  const timed = fc.record({ kind: fc.constant('timed' as const), start, timesOut: fc.boolean() });
  const leaf = timeouts ? fc.oneof({ arbitrary: write, weight: 3 }, { arbitrary: timed, weight: 1 }) : write;
  if (depth === 0) return leaf;
  const nested = fc.record({
    kind: fc.constant('nested' as const),
    start,
    commits: fc.boolean(),
    ops: fc.array(opArb(depth - 1, timeouts), { minLength: 0, maxLength: 3 }),
  });
  return fc.oneof({ arbitrary: leaf, weight: 2 }, { arbitrary: nested, weight: 1 });
}

function plan(ops: readonly Op[], next: { id: number }): Planned[] {
  return ops.map((op) => ({
    kind: op.kind,
    start: op.start,
    id: op.kind === 'nested' ? 0 : ++next.id,
    timesOut: op.kind === 'timed' && op.timesOut,
    commits: op.kind === 'nested' && op.commits,
    ops: op.kind === 'nested' ? plan(op.ops, next) : [],
  }));
}

/** The ids the model keeps: resolved writes, in levels that all committed. */
function survivors(ops: readonly Planned[]): number[] {
  return ops.flatMap((op) => {
    if (op.kind === 'nested') return op.commits ? survivors(op.ops) : [];
    return op.timesOut ? [] : [op.id];
  });
}

/** A failing statement, distinct per step so the error can say which one failed first. */
const badSql = (k: number) => `SELECT 1/0 AS failing_${k}`;

type Step =
  | { kind: 'good' }
  | { kind: 'bad' }
  | { kind: 'nested'; steps: ({ kind: 'good' } | { kind: 'bad' } | { kind: 'throw' })[] };

export function txPropertiesSuite(ctx: SuiteContext): void {
  describe('transaction properties', () => {
    const { db } = ctx;
    class Acct extends db.Model({
      __tablename__: 'txp_acct',
      id: db.Column(db.Integer(), { primaryKey: true }),
      owner: db.Column(db.Integer()),
      bal: db.Column(db.Integer()),
    }) {}

    const ids = async (): Promise<number[]> =>
      (await db.all<{ id: number }>('SELECT id FROM txp_acct ORDER BY id', [], { bind: ctx.engine() })).map(
        (r) => r.id,
      );
    const reset = () => db.status('DELETE FROM txp_acct', [], { bind: ctx.engine() });
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

    beforeAll(async () => {
      await db.gino.dropAll();
      await db.gino.createAll();
    });

    capabilityTest(
      ctx,
      'concurrent writes, nested transactions and timeouts in one transaction: every resolved write outside a rolled-back savepoint survives',
      'savepoints',
      async () => {
        const timeouts = ctx.capabilities().timeouts;
        await fc.assert(
          fc.asyncProperty(fc.array(opArb(2, timeouts), { minLength: 1, maxLength: 5 }), async (ops) => {
            await reset();
            const program = plan(ops, { id: 0 });
            const clock = statementClock(ctx);
            const failures: string[] = [];
            /** Runs `op` (in the level of the caller's context) and checks its own outcome. */
            const run = async (op: Planned): Promise<void> => {
              if (op.kind === 'write') {
                await Acct.create({ id: op.id, owner: 1, bal: op.id });
                return;
              }
              if (op.kind === 'timed') {
                const bal = op.timesOut ? db.text('(SELECT 0 FROM pg_sleep(2))') : op.id;
                const outcome = await Acct.insert()
                  .values({ id: op.id, owner: 2, bal })
                  .gino.timeout(op.timesOut ? 40 : 20_000)
                  .status()
                  .then(
                    () => 'resolved',
                    (e: unknown) => e,
                  );
                if (op.timesOut ? !(outcome instanceof QueryTimeoutError) : outcome !== 'resolved')
                  failures.push(`timed write ${op.id} (times out: ${op.timesOut}): ${String(outcome)}`);
                return;
              }
              const refusal = new Error(`nested level of ${op.ops.map((o) => o.id).join(',')} throws`);
              const outcome = await db
                .transaction(async () => {
                  await all(op.ops);
                  if (!op.commits) throw refusal;
                })
                .then(
                  () => 'resolved',
                  (e: unknown) => e,
                );
              if (op.commits ? outcome !== 'resolved' : outcome !== refusal)
                failures.push(`nested level (commits: ${op.commits}): ${String(outcome)}`);
            };
            const all = async (list: readonly Planned[]): Promise<void> => {
              // `.then` is called here, in this level's context: each piece starts on this level.
              const settled = await Promise.allSettled(list.map((op) => clock.at(op.start).then(() => run(op))));
              for (const s of settled) if (s.status === 'rejected') failures.push(`write failed: ${String(s.reason)}`);
            };
            try {
              await db.transaction(() => all(program));
            } finally {
              clock.stop();
            }
            expect(failures).toEqual([]);
            expect(await ids()).toEqual(sorted(survivors(program)));
          }),
          { numRuns: RUNS, seed: SEED, endOnFailure: true },
        );
        expect(await idleInTransaction(ctx)).toBe(0);
      },
      () => db.transaction(async () => undefined),
    );

    const stepArb: fc.Arbitrary<Step> = fc.oneof(
      { arbitrary: fc.constant({ kind: 'good' as const }), weight: 4 },
      { arbitrary: fc.constant({ kind: 'bad' as const }), weight: 1 },
      {
        arbitrary: fc.record({
          kind: fc.constant('nested' as const),
          steps: fc.array(
            fc.oneof(
              { arbitrary: fc.constant({ kind: 'good' as const }), weight: 4 },
              { arbitrary: fc.constant({ kind: 'bad' as const }), weight: 1 },
              { arbitrary: fc.constant({ kind: 'throw' as const }), weight: 1 },
            ),
            { maxLength: 4 },
          ),
        }),
        weight: 2,
      },
    );

    capabilityTest(
      ctx,
      'handled failures in db.transaction / db.begin: the call resolves iff PostgreSQL committed, and the table matches the model',
      'transactions',
      async () => {
        const savepoints = ctx.capabilities().savepoints;
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom('transaction' as const, 'begin' as const),
            fc
              .array(stepArb, { maxLength: 6 })
              .map((steps) => (savepoints ? steps : steps.filter((s) => s.kind !== 'nested'))),
            async (mode, steps) => {
              await reset();
              let next = 0;
              const problems: string[] = [];
              // The model: the first failing statement at the top level aborts the transaction.
              let aborted: string | undefined;
              const kept: number[] = [];
              /** Runs the steps on `level` (undefined: the context's), returns the first failure's SQL. */
              const body = async (level: Transaction | undefined): Promise<void> => {
                const bind = level ? { bind: level } : {};
                for (const step of steps) {
                  if (step.kind === 'good') {
                    const id = ++next;
                    const ok = await Acct.create({ id, owner: 1, bal: 1 }, bind).then(
                      () => true,
                      () => false,
                    );
                    if (ok !== (aborted === undefined)) problems.push(`top-level write ${id}: ok=${ok}`);
                    if (ok) kept.push(id);
                  } else if (step.kind === 'bad') {
                    const sql = badSql(++next);
                    await db.status(sql, [], bind).catch(() => undefined);
                    aborted ??= sql;
                  } else {
                    const mine: number[] = [];
                    let failed: string | undefined;
                    let threw: Error | undefined;
                    const outcome = await db
                      .transaction(async () => {
                        for (const s of step.steps) {
                          if (s.kind === 'good') {
                            const id = ++next;
                            await Acct.create({ id, owner: 2, bal: 2 })
                              .then(() => mine.push(id))
                              .catch(() => undefined);
                          } else if (s.kind === 'bad') {
                            const sql = badSql(++next);
                            await db.status(sql).catch(() => undefined);
                            failed ??= sql;
                          } else {
                            threw = new Error('nested body throws');
                            throw threw;
                          }
                        }
                      }, bind)
                      .then(
                        () => undefined,
                        (e: unknown) => e as Error,
                      );
                    if (aborted !== undefined) {
                      // Its SAVEPOINT is refused: the transaction is aborted already.
                      if (!(outcome instanceof DatabaseError)) problems.push(`nested after abort: ${String(outcome)}`);
                      continue;
                    }
                    if (threw !== undefined) {
                      if (outcome !== threw) problems.push(`nested that throws: ${String(outcome)}`);
                    } else if (failed !== undefined) {
                      if (!(outcome instanceof TransactionRolledBackError) || outcome.sql !== failed)
                        problems.push(`nested with ${failed}: ${String(outcome)}`);
                    } else if (outcome !== undefined) {
                      problems.push(`nested that commits: ${String(outcome)}`);
                    } else {
                      kept.push(...mine);
                    }
                  }
                }
              };
              let txid = '';
              let outcome: unknown;
              if (mode === 'transaction') {
                outcome = await db
                  .transaction(async () => {
                    txid = (await db.scalar<string>('SELECT txid_current()::text')) ?? '';
                    await body(undefined);
                    return 'resolved';
                  })
                  .catch((e: unknown) => e);
              } else {
                const tx = await db.begin();
                txid = (await tx.scalar<string>('SELECT txid_current()::text')) ?? '';
                await body(tx);
                outcome = await tx.commit().then(
                  () => 'resolved',
                  (e: unknown) => e,
                );
                if (!tx.done) problems.push('begin(): the transaction is still open after commit()');
              }
              expect(problems).toEqual([]);
              const status = await txidStatus(ctx, txid);
              if (aborted === undefined) {
                expect(outcome).toBe('resolved');
                expect(status).toBe('committed');
                expect(await ids()).toEqual(sorted(kept));
              } else {
                expect(outcome).toBeInstanceOf(TransactionRolledBackError);
                expect((outcome as TransactionRolledBackError).sql).toBe(aborted);
                expect(status).toBe('aborted');
                expect(await ids()).toEqual([]);
              }
            },
          ),
          { numRuns: RUNS * 2, seed: SEED, endOnFailure: true },
        );
        expect(await idleInTransaction(ctx)).toBe(0);
      },
      () => db.transaction(async () => undefined),
    );
  });
}
