/**
 * createAll / dropAll of hundreds of models. One transaction holding every table's locks runs the
 * server out of its shared lock table ("out of shared memory"; PostgreSQL sizes it for
 * max_locks_per_transaction locks per connection). An event trigger records, at the end of every
 * DDL command, how many locks its transaction holds — PostgreSQL's own count, read from pg_locks
 * inside that transaction — so the test checks the bound itself, without exhausting a server
 * shared with other work.
 */
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { DatabaseError } from '../../src/index.js';
import { type SuiteContext, suiteTest } from './harness.js';

const MODELS = 200;

export function ddlChunksSuite(ctx: SuiteContext): void {
  describe('DDL of many models', () => {
    const { db } = ctx;
    const kinds = [0, 1, 2].map((k) => db.Enum(`ddlc_kind_${k}`, ['a', 'b'] as const));
    for (let i = 0; i < MODELS; i++) {
      db.Model({
        __tablename__: `ddlc_${i}`,
        id: db.Column(db.Integer(), { primaryKey: true }),
        name: db.Column(db.String(20), { index: true, comment: `model ${i}` }),
        kind: db.Column(kinds[i % 3] as (typeof kinds)[number]),
        ...(i > 0 ? { parent: db.Column(db.Integer(), { references: db.ForeignKey(`ddlc_${i - 1}.id`) }) } : {}),
      });
    }

    const raw = <R>(sql: string) => db.all<R>(sql, [], { bind: ctx.engine() });
    const tablesMade = async (): Promise<number[]> =>
      (
        await raw<{ n: number }>(
          "SELECT substr(relname, 6)::int AS n FROM pg_class WHERE relname ~ '^ddlc_[0-9]+$' AND relkind = 'r' ORDER BY 1",
        )
      ).map((r) => r.n);
    const count = async (sql: string) => Number(await db.scalar(sql, [], { bind: ctx.engine() }));
    /** The most locks one DDL transaction held, and how many transactions ran DDL, since `clearLocks()`. */
    const locks = async () =>
      (
        await raw<{ most: number; transactions: number }>(
          'SELECT coalesce(max(n), 0)::int AS most, count(DISTINCT xid)::int AS transactions FROM gino_suite.ddlc_locks',
        )
      )[0] as { most: number; transactions: number };
    const clearLocks = () => db.status('DELETE FROM gino_suite.ddlc_locks', [], { bind: ctx.engine() });
    const unwatch = async () => {
      await db.status('DROP EVENT TRIGGER IF EXISTS ddlc_lock_watch');
      await db.status('DROP FUNCTION IF EXISTS gino_suite.ddlc_count_locks()');
      await db.status('DROP TABLE IF EXISTS gino_suite.ddlc_locks');
    };
    let limit = 0;

    beforeAll(async () => {
      await unwatch();
      await db.status('CREATE TABLE gino_suite.ddlc_locks (xid text, n int)');
      await db.status(`CREATE FUNCTION gino_suite.ddlc_count_locks() RETURNS event_trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO gino_suite.ddlc_locks
          SELECT txid_current()::text, count(*) FROM pg_locks
          WHERE pid = pg_backend_pid() AND locktype <> 'virtualxid'
            AND relation IS DISTINCT FROM 'gino_suite.ddlc_locks'::regclass
            AND relation IS DISTINCT FROM 'pg_locks'::regclass;
        END $$`);
      await db.status(
        'CREATE EVENT TRIGGER ddlc_lock_watch ON ddl_command_end EXECUTE FUNCTION gino_suite.ddlc_count_locks()',
      );
      limit = Number(await db.scalar('SHOW max_locks_per_transaction'));
      await db.gino.dropAll();
    }, 300_000);
    afterAll(async () => {
      await db.gino.dropAll();
      await unwatch();
    }, 300_000);

    suiteTest(
      ctx,
      `createAll / dropAll of ${MODELS} models each hold at most max_locks_per_transaction locks at a time`,
      async () => {
        await clearLocks();
        await db.gino.createAll();
        expect(await tablesMade()).toEqual(Array.from({ length: MODELS }, (_, i) => i));
        expect(
          await count("SELECT count(*) FROM pg_class WHERE relname ~ '^ix_ddlc_[0-9]+_name$' AND relkind = 'i'"),
        ).toBe(MODELS);
        expect(
          await count(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text ~ '^ddlc_[0-9]+$'",
          ),
        ).toBe(MODELS - 1);
        expect(await count("SELECT count(*) FROM pg_type WHERE typname ~ '^ddlc_kind_[0-9]$'")).toBe(3);
        const made = await locks();
        expect(made.most).toBeLessThanOrEqual(limit);
        expect(made.transactions).toBeGreaterThan(1);

        await clearLocks();
        await db.gino.dropAll();
        expect(await tablesMade()).toEqual([]);
        expect(await count("SELECT count(*) FROM pg_type WHERE typname ~ '^ddlc_kind_[0-9]$'")).toBe(0);
        expect((await locks()).most).toBeLessThanOrEqual(limit);
      },
    );

    suiteTest(
      ctx,
      'a failing chunk keeps the tables before it and none of its own; createAll again completes the run',
      async () => {
        await db.gino.dropAll();
        // Takes the name of ddlc_120's index: its CREATE INDEX fails, after its CREATE TABLE.
        await db.status('CREATE TABLE ix_ddlc_120_name (x int)');
        try {
          const error = await db.gino.createAll().then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(DatabaseError);
          expect((error as DatabaseError).code).toBe('42P07');
          const made = await tablesMade();
          // A prefix of the models, ending in the chunk before the failing one: 120 went with its index.
          expect(made).toEqual(Array.from({ length: made.length }, (_, i) => i));
          expect(made.length).toBeGreaterThan(100);
          expect(made.length).toBeLessThanOrEqual(120);
        } finally {
          await db.status('DROP TABLE ix_ddlc_120_name');
        }
        await db.gino.createAll();
        expect(await tablesMade()).toEqual(Array.from({ length: MODELS }, (_, i) => i));
        await db.gino.dropAll();
        expect(await tablesMade()).toEqual([]);
      },
    );
  });
}
