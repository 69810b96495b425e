/**
 * Server-side cursors: `DECLARE ... CURSOR` and `FETCH n`, inside the current transaction, or a
 * transaction opened for the purpose (GINO needed one open already, #507). Leaving the loop early
 * closes the cursor and ends that transaction.
 */
import type { CompiledQuery } from '../compiler/compiler.js';
import { GinoError } from '../errors.js';
import type { DriverResult } from './adapter.js';
import { type Connection, Engine, type QueryRunner, requireCapability, Transaction } from './engine.js';
import { execute, shape } from './execute.js';

let cursorCounter = 0;

function raw(sql: string): CompiledQuery {
  return { sql, params: [], paramTypes: [], paramLabels: [], columns: [] };
}

/** Rows of `compiled`, `prefetch` at a time, through a cursor on `target`. */
export async function* iterateCursor(
  target: QueryRunner,
  compiled: CompiledQuery,
  loader: unknown,
  prefetch = 100,
): AsyncGenerator<unknown, void, undefined> {
  if (!Number.isInteger(prefetch) || prefetch < 1)
    throw new GinoError(`prefetch must be a positive integer, got ${prefetch}`);
  const engine = target.engine;
  requireCapability(engine, 'cursors', 'open a server-side cursor');
  let conn: Connection | undefined;
  let runner: QueryRunner = target;
  let ownTransaction = false;
  if (target instanceof Engine) {
    conn = await engine.connect();
    runner = conn;
  }
  const inTransaction = target instanceof Transaction || (runner as Connection).current !== undefined;
  let failure: unknown;
  const name = `gino_cursor_${++cursorCounter}`;
  try {
    if (!inTransaction) {
      await execute(runner, raw('BEGIN'));
      ownTransaction = true;
    }
    await execute(runner, { ...compiled, sql: `DECLARE ${name} NO SCROLL CURSOR FOR ${compiled.sql}` });
    const fetch = raw(`FETCH FORWARD ${prefetch} FROM ${name}`);
    for (;;) {
      const result: DriverResult = await execute(runner, fetch);
      const page = shape(result, { ...compiled, sql: fetch.sql }, loader);
      for (const row of page) yield row;
      if (result.rows.length < prefetch) break;
    }
    await execute(runner, raw(`CLOSE ${name}`));
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    if (ownTransaction) {
      await execute(runner, raw(failure ? 'ROLLBACK' : 'COMMIT')).catch(() => undefined);
    } else if (failure === undefined) {
      // Left early: the cursor stays declared in the caller's transaction unless closed.
      await execute(runner, raw(`CLOSE ${name}`)).catch(() => undefined);
    }
    if (conn) await conn.release(failure);
  }
}
