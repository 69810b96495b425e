/**
 * Raw SQL and the wire protocol, the same on every adapter: a SQL string holding several
 * statements is refused before any I/O (and statements that only look like several run); a
 * statement built with a smuggled second statement fails at the server, which only ever gets one
 * statement at a time (the extended protocol); more parameters than PostgreSQL's protocol can
 * carry are refused before any I/O; `db.text` scans nested comments and takes `\:name` as a
 * literal `:name`.
 */
import { beforeAll, beforeEach, describe, expect } from 'vitest';
import { toGinoError } from '../../src/errors.js';
import { DatabaseError, InvalidRequestError } from '../../src/index.js';
import { type SuiteContext, suiteTest } from './harness.js';

const TWO_UPDATES =
  'UPDATE proto_acct SET bal = bal + 1 WHERE id = 1; UPDATE proto_acct SET bal = bal + 1 WHERE id = 2';

/** PostgreSQL's limit: the protocol counts a statement's parameters in 16 bits. */
const MAX_PARAMS = 65535;

export function protocolSuite(ctx: SuiteContext): void {
  describe('raw SQL and the wire protocol', () => {
    const { db } = ctx;
    class Acct extends db.Model({
      __tablename__: 'proto_acct',
      id: db.Column(db.Integer(), { primaryKey: true }),
      owner: db.Column(db.Integer()),
      bal: db.Column(db.Integer()),
    }) {}

    /** The balances, read back with SQL written apart from the code under test. */
    const balances = async () =>
      (await db.all<{ id: number; bal: number }>('SELECT id, bal FROM proto_acct ORDER BY id')).map((r) => [
        r.id,
        r.bal,
      ]);
    const START = [
      [1, 10],
      [2, 20],
      [3, 5],
    ];
    const exists = (name: string) => db.scalar<boolean>('SELECT to_regclass($1) IS NOT NULL', [name]);

    beforeAll(async () => {
      await db.gino.dropAll();
      await db.gino.createAll();
    });
    beforeEach(async () => {
      await db.status('DELETE FROM proto_acct');
      await Acct.insert()
        .values([
          { id: 1, owner: 1, bal: 10 },
          { id: 2, owner: 1, bal: 20 },
          { id: 3, owner: 2, bal: 5 },
        ])
        .gino.status();
      await db.status('DROP TABLE IF EXISTS gino_suite.proto_smuggled');
      ctx.clearLog();
    });

    /** `attempt` fails with InvalidRequestError naming the statement count and the way out, before any I/O. */
    const expectRefused = async (attempt: () => Promise<unknown>, count = 2) => {
      ctx.clearLog();
      const error = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as Error).message).toContain(`${count} statements`);
      expect((error as Error).message).toMatch(/one by one/);
      expect((error as Error).message).toMatch(/db\.batch\(\[/);
      expect(ctx.log).toEqual([]);
    };

    suiteTest(ctx, 'a SQL string of two statements is refused before any I/O by every run method', async () => {
      await expectRefused(() => db.status(TWO_UPDATES));
      await expectRefused(() => db.all(TWO_UPDATES));
      await expectRefused(() => db.first(TWO_UPDATES));
      await expectRefused(() => db.one(TWO_UPDATES));
      await expectRefused(() => db.oneOrNone(TWO_UPDATES));
      await expectRefused(() => db.scalar(TWO_UPDATES));
      await expectRefused(() => db.status(`${TWO_UPDATES}; SELECT 1`), 3);
      await expectRefused(() => db.status('SELECT $1::int; SELECT 2', [1]));
      const engine = ctx.engine();
      await expectRefused(() => engine.status(TWO_UPDATES));
      await expectRefused(() => engine.all(TWO_UPDATES));
      await expectRefused(() => engine.scalar(TWO_UPDATES));
      await expectRefused(async () => {
        for await (const _ of db.iterate(TWO_UPDATES)) break;
      });
      await expectRefused(() => db.batch(['SELECT 1', TWO_UPDATES]));
      await expectRefused(() => db.status(db.text(TWO_UPDATES)));
      await expectRefused(() => db.all(db.text('SELECT :a::int AS a; SELECT 2', { a: 1 })));
      expect(await balances()).toEqual(START);
    });

    suiteTest(ctx, 'a refused string leaves an open transaction usable', async () => {
      if (!ctx.capabilities().transactions) {
        await expectRefused(() => db.batch([TWO_UPDATES]));
        expect(await balances()).toEqual(START);
        return;
      }
      await db.transaction(async (tx) => {
        await tx.status('UPDATE proto_acct SET bal = 0 WHERE id = 3');
        await expectRefused(() => tx.status(TWO_UPDATES));
        await expectRefused(() => tx.connection.status(TWO_UPDATES));
        // Nothing reached the server, so the transaction is not aborted.
        await tx.status('UPDATE proto_acct SET bal = 1 WHERE id = 3');
      });
      expect(await balances()).toEqual([
        [1, 10],
        [2, 20],
        [3, 1],
      ]);
    });

    suiteTest(ctx, 'one statement that only looks like several runs: literals, identifiers, comments', async () => {
      const one = async (sql: string, params?: unknown[]) => (await db.all<Record<string, unknown>>(sql, params))[0];
      expect(await one("SELECT 'a;b' AS v;")).toEqual({ v: 'a;b' });
      expect(await one("SELECT 'it''s; fine' AS v")).toEqual({ v: "it's; fine" });
      expect(await one("SELECT E'it\\'s; fine' AS v")).toEqual({ v: "it's; fine" });
      expect(await one('SELECT 1 AS "x;y"')).toEqual({ 'x;y': 1 });
      expect(await one('SELECT 1 AS "x"";y"')).toEqual({ 'x";y': 1 });
      expect(await one('SELECT $$;$$ AS v')).toEqual({ v: ';' });
      expect(await one('SELECT $t$ ; $$ ; $t$ AS v')).toEqual({ v: ' ; $$ ; ' });
      expect(await one('SELECT 1 AS v -- ; SELECT 2\n')).toEqual({ v: 1 });
      expect(await one('SELECT /* ; /* ; */ ; */ 1 AS v')).toEqual({ v: 1 });
      expect(await one('SELECT 1 AS v;;  ;\n-- trailing; comment\n/* ; */')).toEqual({ v: 1 });
      expect(await one('SELECT $1::text AS v;', ['a;b'])).toEqual({ v: 'a;b' });
      // SQL-standard function bodies hold semicolons of their own (as psql also knows).
      await db.status(
        'CREATE OR REPLACE FUNCTION gino_suite.proto_f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END',
      );
      expect(await db.scalar('SELECT gino_suite.proto_f()')).toBe(2);
      expect(await balances()).toEqual(START);
    });

    suiteTest(
      ctx,
      'a second statement smuggled into a built statement fails at the server, and never runs',
      async () => {
        const smuggle = 'CREATE TABLE gino_suite.proto_smuggled (a int)';
        // No parameters at all: the statement a simple-protocol driver would send as a script.
        const select = Acct.query.where(db.text(`true; ${smuggle}`));
        expect(db.compile(select).params).toEqual([]);
        const error = await select.gino.all().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DatabaseError);
        expect(error).toMatchObject({ code: '42601' });
        expect(await exists('gino_suite.proto_smuggled')).toBe(false);

        const update = Acct.update.values({ bal: db.text('0') }).where(db.text('true; DELETE FROM proto_acct'));
        expect(db.compile(update).params).toEqual([]);
        await expect(update.gino.status()).rejects.toMatchObject({ code: '42601' });
        expect(await balances()).toEqual(START);
      },
    );

    suiteTest(ctx, 'every adapter sends the server one statement at a time, sessions included', async () => {
      const adapter = ctx.engine().adapter;
      const direct = await adapter.query({ sql: 'SELECT 1; SELECT 2', params: [] }).catch((e: unknown) => e);
      expect(direct).toMatchObject({ code: '42601' });
      if (adapter.connect) {
        const session = await adapter.connect();
        try {
          const held = await session.query({ sql: 'SELECT 1; SELECT 2', params: [] }).catch((e: unknown) => e);
          expect(held).toMatchObject({ code: '42601' });
          // A plain server error: the session goes on.
          expect((await session.query({ sql: 'SELECT 3', params: [] })).rows).toEqual([[3]]);
        } finally {
          await session.release();
        }
      }
      if (adapter.batch) {
        const batched = await adapter.batch([{ sql: 'SELECT 1; SELECT 2', params: [] }], {}).catch((e: unknown) => e);
        expect(batched).toMatchObject({ code: '42601' });
      }
      expect(await db.scalar('SELECT 4')).toBe(4);
    });

    suiteTest(
      ctx,
      'COPY ... FROM STDIN is refused before any I/O (no data stream to give it); COPY TO STDOUT runs',
      async () => {
        for (const sql of [
          'COPY proto_acct FROM STDIN',
          'copy proto_acct (id, bal) from stdin with (format csv);',
          db.text('COPY proto_acct FROM STDIN'),
        ]) {
          ctx.clearLog();
          const error = await db.status(sql as string).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(InvalidRequestError);
          expect((error as Error).message).toMatch(/FROM STDIN.*insert\(\)\.values/);
          expect(ctx.log).toEqual([]);
        }
        // A table or literal named stdin is no COPY FROM STDIN.
        expect((await db.status("COPY (SELECT 'from stdin' AS stdin) TO STDOUT")).status).toMatch(/^COPY/);
        expect(await db.scalar('SELECT 1')).toBe(1);
        expect(await balances()).toEqual(START);
      },
    );

    suiteTest(ctx, 'more parameters than the protocol can carry are refused before any I/O', async () => {
      const rows = Array.from({ length: 22_000 }, (_, i) => ({ id: 100 + i, owner: 9, bal: i }));
      // Compiling already refuses it: it is no statement PostgreSQL could take.
      expect(() => db.compile(Acct.insert().values(rows))).toThrow(/66000 parameters/);
      const refused = async (attempt: () => Promise<unknown>) => {
        ctx.clearLog();
        const error = await attempt().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(InvalidRequestError);
        expect((error as Error).message).toContain('66000 parameters');
        expect((error as Error).message).toContain(String(MAX_PARAMS));
        expect((error as Error).message).toMatch(/chunk/);
        expect(ctx.log).toEqual([]);
      };
      await refused(() => Acct.insert().values(rows).gino.status());
      await refused(() => db.batch([Acct.insert().values(rows.slice(0, 10)), Acct.insert().values(rows)]));
      const many = Array.from({ length: 66_000 }, (_, i) => i);
      const sql = `SELECT cardinality(ARRAY[${many.map((i) => `$${i + 1}::int`).join(',')}])`;
      await refused(() => db.scalar(sql, many));
      expect(await balances()).toEqual(START);
    });

    suiteTest(ctx, 'exactly 65535 parameters run', async () => {
      const rows = Array.from({ length: MAX_PARAMS / 3 }, (_, i) => ({ id: 100 + i, owner: 9, bal: i }));
      expect(db.compile(Acct.insert().values(rows)).params.length).toBe(MAX_PARAMS);
      const status = await Acct.insert().values(rows).gino.status();
      expect(status.rowCount).toBe(MAX_PARAMS / 3);
      expect(await db.scalar('SELECT count(*)::int FROM proto_acct WHERE owner = 9')).toBe(MAX_PARAMS / 3);
    });

    suiteTest(
      ctx,
      'a protocol error the server reports is a DatabaseError, and the connection stays usable',
      async () => {
        // Beneath the engine's check: the driver sends more parameters than the 16-bit count holds.
        const adapter = ctx.engine().adapter;
        const values = Array.from({ length: MAX_PARAMS + 1 }, (_, i) => String(i));
        const sql = `SELECT cardinality(ARRAY[${values.map((_, i) => `$${i + 1}::int`).join(',')}]) AS n`;
        const run = async (query: (q: { sql: string; params: string[] }) => Promise<unknown>) => {
          const error = await query({ sql, params: values }).catch((e: unknown) => e);
          // What the engine's execution path makes of a driver error.
          return toGinoError(error);
        };
        const mapped = await run((q) => adapter.query(q));
        expect(mapped).toBeInstanceOf(DatabaseError);
        expect(mapped).toMatchObject({ code: '08P01' });
        expect(await db.scalar('SELECT 5')).toBe(5);
        if (adapter.connect) {
          const session = await adapter.connect();
          try {
            expect(await run((q) => session.query(q))).toMatchObject({ code: '08P01' });
            expect((await session.query({ sql: 'SELECT 6', params: [] })).rows).toEqual([[6]]);
          } finally {
            await session.release();
          }
        }
      },
    );

    suiteTest(ctx, 'db.text: nested block comments hide :names; \\:name is a literal :name', async () => {
      expect(await db.scalar(db.text('SELECT /* a /* b */ :x */ :y::int AS v', { y: 5 }))).toBe(5);
      expect(await db.scalar(db.text('SELECT /* /* */ :x */ 7 AS v'))).toBe(7);
      const slice = db.text('SELECT (ARRAY[10,20,30])[lo\\:hi] AS s FROM (SELECT :lo::int AS lo, 2 AS hi) t', {
        lo: 1,
      });
      expect(db.compile(slice).sql).toBe('SELECT (ARRAY[10,20,30])[lo:hi] AS s FROM (SELECT $1::int AS lo, 2 AS hi) t');
      expect(await db.scalar(slice)).toEqual([10, 20]);
      expect(await db.scalar(db.text("SELECT ':x \\:y' AS v"))).toBe(':x \\:y');
    });
  });
}
