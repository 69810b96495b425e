/**
 * Server-side cursors: `DECLARE ... CURSOR` and `FETCH n`, inside the current transaction, or a
 * transaction opened for the purpose (GINO needed one open already, #507). Leaving the loop early
 * closes the cursor, and ends the transaction and gives back the connection it took.
 */
import type { CompiledQuery } from '../compiler/compiler.js';
import { InvalidRequestError } from '../errors.js';
import {
  type Connection,
  checkTimeout,
  isBroken,
  type QueryRunner,
  rawCompiled as raw,
  requireCapability,
  restoreTimeout,
  setLocalTimeout,
  type Transaction,
  timeoutError,
} from './engine.js';
import { execute, shaper } from './execute.js';

let cursorCounter = 0;

/**
 * Rows of `compiled`, `prefetch` at a time, through a cursor on `target`. With `timeoutMs`, every
 * statement of the cursor (DECLARE, each FETCH) runs under that `statement_timeout`.
 */
export async function* iterateCursor(
  target: QueryRunner,
  compiled: CompiledQuery,
  loader: unknown,
  prefetch = 100,
  timeoutMs?: number,
): AsyncGenerator<unknown, void, undefined> {
  if (!Number.isInteger(prefetch) || prefetch < 1)
    throw new InvalidRequestError(`prefetch must be a positive integer, got ${prefetch}`);
  requireCapability(target.engine, 'cursors', 'open a server-side cursor');
  if (timeoutMs !== undefined) checkTimeout(target.engine, timeoutMs);
  let conn: Connection | undefined;
  let own: Transaction | undefined;
  let runner: QueryRunner = target;
  let failure: unknown;
  let open = false;
  let previousTimeout: string | undefined;
  const name = `gino_cursor_${++cursorCounter}`;
  try {
    if (!target.inTransaction) {
      // An engine's cursor takes a connection of its own; a held connection's runs on it.
      let connection = target.held();
      if (!connection) connection = conn = await target.engine.connect();
      // The transaction begun by hand on this connection, or one of its own, begun by hand too:
      // until the loop ends, the connection's statements (the loop body's) run in it.
      const level = await connection.settled();
      if (level) runner = level;
      else runner = own = await connection.begin();
    }
    if (timeoutMs !== undefined) previousTimeout = await setLocalTimeout(runner, timeoutMs, !own);
    try {
      await execute(runner, { ...compiled, sql: `DECLARE ${name} NO SCROLL CURSOR FOR ${compiled.sql}` });
    } catch (error) {
      throw timeoutMs === undefined ? error : timeoutError(error, timeoutMs);
    }
    open = true;
    const fetch = raw(`FETCH FORWARD ${prefetch} FROM ${name}`);
    const shape = shaper(compiled, loader);
    for (;;) {
      let result: Awaited<ReturnType<typeof execute>>;
      try {
        result = await execute(runner, fetch);
      } catch (error) {
        throw timeoutMs === undefined ? error : timeoutError(error, timeoutMs);
      }
      for (const row of shape(result)) yield row;
      if (result.rows.length < prefetch) break;
    }
    open = false;
    await execute(runner, raw(`CLOSE ${name}`));
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    await closeCursor({ own, open, failure, runner, conn, name, previousTimeout });
  }
}

/**
 * End what the cursor opened. A failing clean-up is reported (unless an error is already on its
 * way) and the connection is released as broken, so a pool never gets it back as healthy.
 */
async function closeCursor(c: {
  own: Transaction | undefined;
  open: boolean;
  failure: unknown;
  runner: QueryRunner;
  conn: Connection | undefined;
  name: string;
  /** The caller's `statement_timeout` before the cursor's own, to put back in its transaction. */
  previousTimeout: string | undefined;
}): Promise<void> {
  let cleanup: unknown;
  try {
    if (c.own && !c.own.done) {
      // Ending the transaction closes the cursor too.
      await (c.failure === undefined ? c.own.commit() : c.own.rollback());
    } else if (!c.own && c.failure === undefined) {
      // In the caller's transaction: a cursor left early would stay declared there, and the
      // limit it had comes back, however the loop ended.
      if (c.open) await execute(c.runner, raw(`CLOSE ${c.name}`));
      if (c.previousTimeout !== undefined) await restoreTimeout(c.runner, c.previousTimeout);
    }
  } catch (error) {
    cleanup = error;
  }
  if (c.conn) await c.conn.release(cleanup ?? isBroken(c.failure));
  if (cleanup !== undefined && c.failure === undefined) throw cleanup;
}
