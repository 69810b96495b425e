/**
 * `db.copyInto`: rows streamed into a table with `COPY ... FROM STDIN`, on a held connection of
 * an adapter with `copy`. The rows are read lazily, encoded (compiler/copy.ts) into blocks of data
 * lines, and pulled by the driver as its write buffer drains. One COPY statement is atomic; where
 * the adapter takes a bounded amount per statement (`copyChunkChars`), the statements run in a
 * transaction level of their own. Logged and traced like a statement.
 */
import { type CopyPlan, type CopyRow, copyPlan, encodeRow } from '../compiler/copy.js';
import { InvalidRequestError, toGinoError } from '../errors.js';
import type { Table } from '../sql/table.js';
import { Connection, type ContextRunner, Engine, type QueryRunner, requireCapability, Transaction } from './engine.js';

/** What `copyInto` resolves to: the rows the server copied (its command tag's count). */
export interface CopyResult {
  rowCount: number;
}

/** The rows `copyInto` takes: any iterable or async iterable of row objects. */
export type CopyRows<R> = Iterable<R> | AsyncIterable<R>;

/** How many characters of data lines go to the driver at a time. */
const BLOCK_CHARS = 64 * 1024;

/** Runs a level's callback where it is called: the rows' own code keeps the caller's context. */
const direct: ContextRunner = (_t, fn) => fn();

/** The rows, encoded as they are read, and what went wrong reading them. */
class Encoder {
  /** Rows encoded so far. */
  count = 0;
  /** The error the rows' own iterator threw, which the copy rejects with. */
  failure: { error: unknown } | undefined;
  private done = false;
  /** A line read ahead (the first one, or the one past a chunk's end). */
  private pending: string | undefined;
  /**
   * The connection of the caller's transaction the copy runs in, marked while the rows are read:
   * their own code cannot send statements there (they would wait for the copy that waits for them).
   */
  holder: Connection | undefined;

  constructor(
    readonly plan: CopyPlan,
    private readonly next: () => IteratorResult<unknown> | Promise<IteratorResult<unknown>>,
    private readonly close: () => unknown,
    first: string,
  ) {
    this.pending = first;
    this.count = 1;
  }

  get exhausted(): boolean {
    return this.done && this.pending === undefined;
  }

  /** The next row's line, or undefined at the end: at once when the rows are a plain iterable. */
  private line(): string | undefined | Promise<string | undefined> {
    if (this.pending !== undefined) {
      const line = this.pending;
      this.pending = undefined;
      return line;
    }
    if (this.done) return undefined;
    let got: IteratorResult<unknown> | Promise<IteratorResult<unknown>>;
    const holder = this.holder;
    holder?.pullingRows(1);
    try {
      got = this.next();
    } catch (error) {
      holder?.pullingRows(-1);
      return this.fail(error);
    }
    if (got instanceof Promise) {
      return got.then(
        (step) => {
          holder?.pullingRows(-1);
          return this.encode(step);
        },
        (error: unknown) => {
          holder?.pullingRows(-1);
          return this.fail(error);
        },
      );
    }
    holder?.pullingRows(-1);
    return this.encode(got);
  }

  private fail(error: unknown): never {
    this.done = true;
    this.failure = { error };
    throw error;
  }

  private encode(step: IteratorResult<unknown>): string | undefined {
    if (step.done) {
      this.done = true;
      return undefined;
    }
    const line = encodeRow(this.plan, step.value, this.count);
    this.count++;
    return line;
  }

  /**
   * Blocks of lines up to `limit` characters in all (unbounded when undefined): one statement's
   * data. A line is never split; the line that would pass the limit waits for the next chunk.
   */
  async *chunk(limit: number | undefined): AsyncGenerator<string> {
    let total = 0;
    let block = '';
    try {
      for (;;) {
        const next = this.line();
        const line = next instanceof Promise ? await next : next;
        if (line === undefined) break;
        if (limit !== undefined && total > 0 && total + line.length > limit) {
          this.pending = line;
          break;
        }
        total += line.length;
        block += line;
        if (block.length >= BLOCK_CHARS) {
          yield block;
          block = '';
        }
      }
      if (block) yield block;
    } catch (error) {
      this.stop();
      throw error;
    }
  }

  /** Every block of one chunk, read now (to tell whether one statement holds them all). */
  async take(limit: number): Promise<string[]> {
    const blocks: string[] = [];
    for await (const block of this.chunk(limit)) blocks.push(block);
    return blocks;
  }

  /** Close the rows' iterator early (a failure, or the server's error mid-way). */
  stop(): void {
    if (this.done) return;
    this.done = true;
    this.pending = undefined;
    try {
      const closing = this.close();
      if (closing instanceof Promise) closing.catch(() => undefined);
    } catch {
      // the iterator's own failure to close is not the copy's error
    }
  }
}

/** How many blocks of lines the rows are read ahead of the driver (see `readAhead`). */
const READ_AHEAD = 2;

/**
 * `blocks`, read by a loop started here, in the caller's async context, at most `READ_AHEAD`
 * blocks ahead of the driver that pulls them. The driver pulls from its socket's callbacks, whose
 * context is the connection's: the rows' own code, run there, would lose the caller's binding (a
 * statement it sends inside db.transaction() would run on another connection, outside the
 * transaction). Read here, it keeps it, as every other callback gino-edge runs does.
 */
function readAhead(blocks: AsyncGenerator<string>): AsyncIterable<string> {
  const queue: string[] = [];
  let ended = false;
  let stopped = false;
  let failure: { error: unknown } | undefined;
  let wakeReader: (() => void) | undefined;
  let wakeDriver: (() => void) | undefined;
  const wake = (which: 'reader' | 'driver'): void => {
    const fn = which === 'reader' ? wakeReader : wakeDriver;
    if (which === 'reader') wakeReader = undefined;
    else wakeDriver = undefined;
    fn?.();
  };
  // Started now (in the caller's context), reading once the driver first asks: the COPY has begun.
  let start!: () => void;
  const asked = new Promise<void>((resolve) => {
    start = resolve;
  });
  void (async () => {
    await asked;
    try {
      if (stopped) {
        await blocks.return(undefined);
        return;
      }
      for await (const block of blocks) {
        queue.push(block);
        wake('driver');
        while (queue.length >= READ_AHEAD && !stopped) {
          await new Promise<void>((resolve) => {
            wakeReader = resolve;
          });
        }
        if (stopped) break;
      }
    } catch (error) {
      failure = { error };
    }
    ended = true;
    wake('driver');
  })();
  return {
    [Symbol.asyncIterator]: () => ({
      async next(): Promise<IteratorResult<string>> {
        start();
        for (;;) {
          const block = queue.shift();
          if (block !== undefined) {
            wake('reader');
            return { done: false, value: block };
          }
          if (failure) throw failure.error;
          if (ended) return { done: true, value: undefined };
          await new Promise<void>((resolve) => {
            wakeDriver = resolve;
          });
        }
      },
      async return(): Promise<IteratorResult<string>> {
        stopped = true;
        start();
        wake('reader');
        return { done: true, value: undefined };
      },
    }),
  };
}

async function* replay(blocks: readonly string[]): AsyncGenerator<string> {
  yield* blocks;
}

/** Where a COPY statement is sent: a fresh connection, or a transaction level. */
type CopyLevel = Connection | Transaction;

/** One COPY statement on `level`, logged and traced like a statement; resolves to the rows copied. */
async function copyStatement(level: CopyLevel, encoder: Encoder, data: AsyncIterable<string>): Promise<number> {
  const sql = encoder.plan.sql;
  const logger = level.logger;
  const start = logger ? performance.now() : 0;
  const span = level.tracing?.statement(sql, level.traceParent?.());
  let rows: number | undefined;
  try {
    rows = await level.sendCopy(sql, data);
    span?.span.setAttribute('gino.copy.rows', rows);
    span?.end();
    return rows;
  } catch (error) {
    encoder.stop();
    const e = encoder.failure ? encoder.failure.error : toGinoError(error, sql);
    span?.fail(e);
    throw e;
  } finally {
    if (logger) {
      logger({ sql, params: [], ms: performance.now() - start, rowCount: rows ?? 0 });
    }
  }
}

/** Every chunk as its own COPY statement, in order, on `level` (a transaction level of the copy's own). */
async function copyChunks(level: Transaction, encoder: Encoder, first: readonly string[], limit: number) {
  let copied = await copyStatement(level, encoder, replay(first));
  while (!encoder.exhausted) {
    const blocks = await encoder.take(limit);
    if (blocks.length === 0) break;
    copied += await copyStatement(level, encoder, replay(blocks));
  }
  return copied;
}

function iteratorOf(rows: unknown): {
  next: () => IteratorResult<unknown> | Promise<IteratorResult<unknown>>;
  close: () => unknown;
} {
  const source = rows as Partial<AsyncIterable<unknown> & Iterable<unknown>> | null | undefined;
  const make = (source?.[Symbol.asyncIterator] ?? source?.[Symbol.iterator]) as (() => unknown) | undefined;
  if (typeof make !== 'function') {
    throw new InvalidRequestError('copyInto() takes the rows as an array, an iterable or an async iterable of objects');
  }
  const it = make.call(source) as AsyncIterator<unknown> | Iterator<unknown>;
  return { next: () => it.next(), close: () => it.return?.() };
}

/**
 * Copy `rows` into `table` on `runner` (an Engine: a connection of its own; a connection or a
 * transaction: there, in a transaction level of its own). See `Gino.copyInto`.
 */
export async function copyInto(
  runner: QueryRunner,
  table: Table,
  rows: CopyRows<CopyRow>,
  columns?: readonly string[],
): Promise<CopyResult> {
  const engine = runner.engine;
  requireCapability(engine, 'copy', 'COPY rows into a table (db.copyInto)');
  const { next, close } = iteratorOf(rows);
  // The first row is read, checked and encoded before any I/O: most mistakes show there.
  const head = await next();
  if (head.done) return { rowCount: 0 };
  let encoder: Encoder;
  try {
    const plan = copyPlan(table, head.value as CopyRow, columns);
    encoder = new Encoder(plan, next, close, encodeRow(plan, head.value, 0));
  } catch (error) {
    await Promise.resolve(close()).catch(() => undefined);
    throw error;
  }
  const limit = engine.capabilities.copyChunkChars;
  const level = runner.here();
  encoder.holder = level instanceof Transaction ? level.connection : level instanceof Connection ? level : undefined;
  const first = limit === undefined ? undefined : await encoder.take(limit);
  if (first === undefined || encoder.exhausted) {
    const data = first === undefined ? readAhead(encoder.chunk(undefined)) : replay(first);
    const once = (on: CopyLevel) => copyStatement(on, encoder, data);
    if (level instanceof Engine && level.locals.length === 0) {
      return { rowCount: await level.acquire(once, direct) };
    }
    return { rowCount: (await inLevel(level, once)) as number };
  }
  return { rowCount: (await inLevel(level, (tx) => copyChunks(tx, encoder, first, limit as number))) as number };
}

/** `fn` in a transaction level of its own on `level`: a fresh transaction, or a savepoint. */
function inLevel<R>(level: QueryRunner, fn: (tx: Transaction) => Promise<R>): Promise<R | undefined> {
  if (level instanceof Engine) return level.transaction(fn, { reuse: false }, direct);
  return level.transaction(fn, {}, direct);
}
