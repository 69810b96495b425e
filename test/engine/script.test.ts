/**
 * Scripts of several statements (migration files), on the run's PostgreSQL through pg and on
 * embedded PGlite: through each adapter's own multi-statement path (`Adapter.script`: pg's simple
 * query, PGlite's exec), and through the engine's fallback (split with `splitStatements`, run in
 * one transaction) on the same adapter without it. Both paths run a script all or nothing.
 */
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { pg } from '../../adapters/pg/index.js';
import { pglite } from '../../adapters/pglite/index.js';
import { runScript } from '../../src/engine/script.js';
import {
  type Adapter,
  DatabaseError,
  type Engine,
  Gino,
  InvalidRequestError,
  type QueryEvent,
} from '../../src/index.js';

const onPglite = inject('databaseKind') === 'pglite';
const T = `script_${process.pid}`;

/** The same adapter without its multi-statement path: the engine falls back to split and run. */
function withoutScript(adapter: Adapter): Adapter {
  const { connect, batch } = adapter;
  return {
    name: adapter.name,
    capabilities: adapter.capabilities,
    query: (q) => adapter.query(q),
    ...(connect ? { connect: () => connect.call(adapter) } : {}),
    ...(batch ? { batch: (qs, o) => batch.call(adapter, qs, o) } : {}),
    close: () => adapter.close(),
  };
}

/** A migration: a table, a PL/pgSQL trigger function (dollar-quoted, with `;` inside), a SQL-standard function (BEGIN ATOMIC), a trigger, rows. */
const MIGRATION = `
-- 001: notes
CREATE TABLE ${T} (id int PRIMARY KEY, note text NOT NULL DEFAULT 'a;b', touched int NOT NULL DEFAULT 0);
/* every update counts itself; */
CREATE FUNCTION ${T}_touch() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  NEW.touched := OLD.touched + 1; -- ; inside the body
  RETURN NEW;
END $fn$;
CREATE FUNCTION ${T}_double(x int) RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT CASE WHEN x IS NULL THEN 0 ELSE x * 2 END;
END;
CREATE TRIGGER ${T}_touch BEFORE UPDATE ON ${T} FOR EACH ROW EXECUTE FUNCTION ${T}_touch();
INSERT INTO ${T} (id) VALUES (1), (2);
UPDATE ${T} SET note = 'c' WHERE id = 2;
`;

const DROP = `DROP TABLE IF EXISTS ${T}; DROP FUNCTION IF EXISTS ${T}_touch(); DROP FUNCTION IF EXISTS ${T}_double(int)`;

const variants: { name: string; make: () => Adapter; native: boolean; skip?: boolean }[] = [
  { name: 'pg, simple query', make: () => pg(inject('databaseUrl'), { max: 2 }), native: true, skip: onPglite },
  {
    name: 'pg, split and run',
    make: () => withoutScript(pg(inject('databaseUrl'), { max: 2 })),
    native: false,
    skip: onPglite,
  },
  { name: 'PGlite, exec', make: () => pglite('pglite://memory'), native: true },
  { name: 'PGlite, split and run', make: () => withoutScript(pglite('pglite://memory')), native: false },
];

for (const variant of variants) {
  describe.skipIf(variant.skip)(`scripts on ${variant.name}`, () => {
    const log: QueryEvent[] = [];
    const db = new Gino({ logger: (e) => log.push(e) });
    let engine: Engine;

    beforeAll(async () => {
      engine = await db.setBind(variant.make());
      expect(typeof engine.adapter.script === 'function').toBe(variant.native);
      await runScript(engine, DROP);
    });
    afterAll(async () => {
      await runScript(engine, DROP);
      await db.popBind().close();
    });

    test('a migration with function bodies runs whole; the objects it made work', async () => {
      log.length = 0;
      await runScript(engine, MIGRATION);
      // One request on the native path; each statement (inside BEGIN ... COMMIT) on the fallback.
      const sent = log.map((e) => e.sql);
      if (variant.native) expect(sent).toEqual([MIGRATION]);
      else {
        expect(sent.length).toBe(8);
        expect(sent[0]).toBe('BEGIN');
        expect(sent[7]).toBe('COMMIT');
      }
      expect(await db.all(`SELECT id, note, touched FROM ${T} ORDER BY id`)).toEqual([
        { id: 1, note: 'a;b', touched: 0 },
        { id: 2, note: 'c', touched: 1 },
      ]);
      expect(await db.scalar(`SELECT ${T}_double(21)`)).toBe(42);
    });

    test('a failing statement undoes the ones before it', async () => {
      const failing = `INSERT INTO ${T} (id) VALUES (3); UPDATE ${T} SET note = 'x'; INSERT INTO ${T} (id) VALUES (1)`;
      const error = await runScript(engine, failing).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseError);
      expect(error).toMatchObject({ code: '23505' });
      expect(await db.all(`SELECT id, note FROM ${T} ORDER BY id`)).toEqual([
        { id: 1, note: 'a;b' },
        { id: 2, note: 'c' },
      ]);
    });

    test('inside a transaction, the script runs in it and is undone with it', async () => {
      await db.transaction(async (tx) => {
        await runScript(tx, `INSERT INTO ${T} (id) VALUES (10); INSERT INTO ${T} (id) VALUES (11)`);
        expect(await tx.scalar(`SELECT count(*)::int FROM ${T}`)).toBe(4);
        tx.raiseRollback();
      });
      expect(await db.scalar(`SELECT count(*)::int FROM ${T}`)).toBe(2);
      await db.acquire(async (conn) => {
        await runScript(conn, `INSERT INTO ${T} (id) VALUES (12); INSERT INTO ${T} (id) VALUES (12)`).catch(
          () => undefined,
        );
      });
      expect(await db.scalar(`SELECT count(*)::int FROM ${T}`)).toBe(2);
    });

    test('transaction control, COPY FROM STDIN and non-text are refused before anything is sent', async () => {
      log.length = 0;
      for (const script of [
        `BEGIN; INSERT INTO ${T} (id) VALUES (20); COMMIT`,
        `INSERT INTO ${T} (id) VALUES (20); end`,
        `SAVEPOINT s; INSERT INTO ${T} (id) VALUES (20)`,
        `PREPARE TRANSACTION 'x'`,
      ]) {
        await expect(runScript(engine, script)).rejects.toThrow(InvalidRequestError);
        await expect(runScript(engine, script)).rejects.toThrow(/runs in one transaction of its own/);
      }
      await expect(runScript(engine, `SELECT 1; COPY ${T} FROM STDIN`)).rejects.toThrow(
        /statement 2 of the script is a COPY/,
      );
      await expect(runScript(engine, 42 as never)).rejects.toThrow(/a script is SQL text/);
      expect(log).toEqual([]);
      // BEGIN ATOMIC and a string holding COMMIT are not transaction control.
      await runScript(engine, `SELECT 'COMMIT'; -- BEGIN\nSELECT 1`);
      // Nothing but comments: nothing to send.
      log.length = 0;
      await runScript(engine, '-- nothing here;\n/* ; */');
      expect(log).toEqual([]);
    });
  });
}
