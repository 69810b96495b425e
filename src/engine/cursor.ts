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
  checkPrefetch(prefetch);
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
    ({ runner, own, conn } = await cursorLevel(target));
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
 * Where a cursor opened on `target` lives: the transaction `target` is, else the transaction begun
 * by hand on its connection, else one of its own, begun by hand too (so that, until the cursor
 * ends, the connection's statements run in it) on the held connection or a connection of its own.
 */
async function cursorLevel(
  target: QueryRunner,
): Promise<{ runner: QueryRunner; own: Transaction | undefined; conn: Connection | undefined }> {
  if (target.inTransaction) return { runner: target, own: undefined, conn: undefined };
  // An engine's cursor takes a connection of its own; a held connection's runs on it.
  const held = target.held();
  const conn = held ? undefined : await target.engine.connect();
  const connection = (held ?? conn) as Connection;
  try {
    const level = await connection.settled();
    if (level) return { runner: level, own: undefined, conn };
    const own = await connection.begin();
    return { runner: own, own, conn };
  } catch (error) {
    await conn?.release(isBroken(error));
    throw error;
  }
}

/**
 * A server-side cursor held open between calls (GINO's cursor object), from
 * `await query.gino.iterate()` or `await db.iterate(query)`: `next()` one row (null at the end),
 * `many(n)` up to n rows, `forward(n)` skips n rows, and `for await` reads the rest. Outside a
 * transaction it opens one, and holds a connection, until its rows are exhausted or `close()`.
 *
 * @example
 * await db.transaction(async () => {
 *   const cursor = await User.query.gino.iterate();
 *   await cursor.forward(10);
 *   const page = await cursor.many(10);
 * });
 */
export class Cursor<R = unknown> implements AsyncIterable<R> {
  private open = true;
  private readonly shape: (result: Awaited<ReturnType<typeof execute>>) => unknown[];
  private constructor(
    private readonly runner: QueryRunner,
    private readonly own: Transaction | undefined,
    private readonly conn: Connection | undefined,
    private readonly name: string,
    compiled: CompiledQuery,
    loader: unknown,
    private readonly prefetch: number,
    private readonly timeoutMs: number | undefined,
    private readonly previousTimeout: string | undefined,
  ) {
    this.shape = shaper(compiled, loader);
  }

  /** DECLARE the cursor for `compiled` on `target` (see `iterateCursor`). */
  static async open<R>(
    target: QueryRunner,
    compiled: CompiledQuery,
    loader: unknown,
    prefetch = 100,
    timeoutMs?: number,
  ): Promise<Cursor<R>> {
    checkPrefetch(prefetch);
    requireCapability(target.engine, 'cursors', 'open a server-side cursor');
    if (timeoutMs !== undefined) checkTimeout(target.engine, timeoutMs);
    const { runner, own, conn } = await cursorLevel(target);
    const name = `gino_cursor_${++cursorCounter}`;
    let previousTimeout: string | undefined;
    try {
      if (timeoutMs !== undefined) previousTimeout = await setLocalTimeout(runner, timeoutMs, !own);
      await execute(runner, { ...compiled, sql: `DECLARE ${name} NO SCROLL CURSOR FOR ${compiled.sql}` });
    } catch (error) {
      await closeCursor({ own, open: false, failure: error, runner, conn, name, previousTimeout });
      throw timeoutMs === undefined ? error : timeoutError(error, timeoutMs);
    }
    return new Cursor<R>(runner, own, conn, name, compiled, loader, prefetch, timeoutMs, previousTimeout);
  }

  /** Whether the cursor still has rows to read (it closes itself once they are exhausted). */
  get isOpen(): boolean {
    return this.open;
  }

  /** Up to `n` more rows (fewer at the end, none once exhausted). */
  async many(n: number): Promise<R[]> {
    checkCount('many', n);
    if (!this.open) return [];
    const result = await this.step(`FETCH FORWARD ${n} FROM ${this.name}`);
    const rows = this.shape(result) as R[];
    if (result.rows.length < n) await this.close();
    return rows;
  }

  /** The next row, or null once the rows are exhausted. */
  async next(): Promise<R | null> {
    while (this.open) {
      const [row] = await this.many(1);
      // A distinct loader may fold a row into an earlier one: read on.
      if (row !== undefined) return row;
    }
    return null;
  }

  /** Skip `n` rows. */
  async forward(n: number): Promise<void> {
    checkCount('forward', n);
    if (!this.open) return;
    await this.step(`MOVE FORWARD ${n} FROM ${this.name}`);
  }

  /** The rest of the rows, `prefetch` at a time; leaving the loop early closes the cursor. */
  async *[Symbol.asyncIterator](): AsyncGenerator<R, void, undefined> {
    try {
      while (this.open) for (const row of await this.many(this.prefetch)) yield row;
    } finally {
      await this.close();
    }
  }

  /** Close the cursor, and end the transaction and give back the connection it opened; safe twice. */
  async close(failure?: unknown): Promise<void> {
    if (!this.open) return;
    this.open = false;
    await closeCursor({
      own: this.own,
      open: true,
      failure,
      runner: this.runner,
      conn: this.conn,
      name: this.name,
      previousTimeout: this.previousTimeout,
    });
  }

  private async step(sql: string): Promise<Awaited<ReturnType<typeof execute>>> {
    try {
      return await execute(this.runner, raw(sql));
    } catch (error) {
      await this.close(error).catch(() => undefined);
      throw this.timeoutMs === undefined ? error : timeoutError(error, this.timeoutMs);
    }
  }
}

/**
 * What `iterate()` returns: `for await` reads every row (the cursor is closed when the loop
 * ends), and `await` gives the `Cursor` itself.
 */
export interface Iteration<R> extends AsyncIterable<R>, PromiseLike<Cursor<R>> {}

/** An `Iteration` of `compiled` on the level `target()` names when it starts. */
export function iteration<R>(
  target: () => QueryRunner,
  compiled: () => CompiledQuery,
  loader: unknown,
  prefetch?: number,
  timeoutMs?: number,
): Iteration<R> {
  return {
    [Symbol.asyncIterator]: () => iterateCursor(target(), compiled(), loader, prefetch, timeoutMs) as AsyncIterator<R>,
    // biome-ignore lint/suspicious/noThenProperty: awaiting an iteration is how GINO's cursor object is had
    then(onFulfilled, onRejected) {
      return (async () => Cursor.open<R>(target(), compiled(), loader, prefetch, timeoutMs))().then(
        onFulfilled,
        onRejected,
      );
    },
  };
}

function checkPrefetch(prefetch: number): void {
  if (!Number.isInteger(prefetch) || prefetch < 1)
    throw new InvalidRequestError(`prefetch must be a positive integer, got ${prefetch}`);
}

function checkCount(method: string, n: number): void {
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidRequestError(`${method}(n) takes a whole number of rows, got ${n}`);
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
