/**
 * Server-side cursors: `DECLARE ... CURSOR` and `FETCH n`, inside the current transaction, or a
 * transaction opened for the purpose (GINO needed one open already, #507). Leaving the loop early
 * closes the cursor, and ends the transaction and gives back the connection it took.
 */
import type { CompiledQuery } from '../compiler/compiler.js';
import { InvalidRequestError } from '../errors.js';
import { type Connection, Engine, isBroken, type QueryRunner, requireCapability, Transaction } from './engine.js';
import { execute, shaper } from './execute.js';

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
    throw new InvalidRequestError(`prefetch must be a positive integer, got ${prefetch}`);
  requireCapability(target.engine, 'cursors', 'open a server-side cursor');
  let conn: Connection | undefined;
  let own: Transaction | undefined;
  let runner: QueryRunner = target;
  let failure: unknown;
  let open = false;
  const name = `gino_cursor_${++cursorCounter}`;
  try {
    if (target instanceof Engine) {
      conn = await target.connect();
      runner = conn;
    }
    if (!(runner instanceof Transaction)) {
      const connection = runner as Connection;
      // A transaction of its own, or the one already open on this connection.
      if (connection.current) runner = connection.current;
      else runner = own = await connection.begin();
    }
    await execute(runner, { ...compiled, sql: `DECLARE ${name} NO SCROLL CURSOR FOR ${compiled.sql}` });
    open = true;
    const fetch = raw(`FETCH FORWARD ${prefetch} FROM ${name}`);
    const shape = shaper(compiled, loader);
    for (;;) {
      const result = await execute(runner, fetch);
      for (const row of shape(result)) yield row;
      if (result.rows.length < prefetch) break;
    }
    open = false;
    await execute(runner, raw(`CLOSE ${name}`));
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    if (own && !own.done) {
      // Ending the transaction closes the cursor too.
      await (failure === undefined ? own.commit() : own.rollback()).catch(() => undefined);
    } else if (open && failure === undefined) {
      // Left early inside the caller's transaction: the cursor would stay declared there.
      await execute(runner, raw(`CLOSE ${name}`)).catch(() => undefined);
    }
    if (conn) await conn.release(isBroken(failure));
  }
}
