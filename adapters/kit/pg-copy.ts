/**
 * `COPY ... FROM STDIN` over node-postgres (pg, and the copy Neon's WebSocket driver bundles), as
 * a submittable of our own (`client.query(submittable)`, pg's documented extension point), so no
 * package is added (pg-copy-streams would be one more optional import for every bundle).
 *
 * The only place gino-edge uses node-postgres's `Connection` copy methods — `query(text)`,
 * `sendCopyFromChunk(buffer)`, `endCopyFrom()`, `sendCopyFail(message)` — and the client's calls
 * of a submittable's `handleCopyInResponse(connection)`, `handleCommandComplete`, `handleError`
 * and `handleReadyForQuery`. pg documents submittables but not what a client hands them;
 * pg-copy-streams drives the same methods. `test/engine/pg-copy.test.ts` fails the day the
 * installed pg differs from `CHECKED_AGAINST` or drops one of them.
 *
 * The statement goes as a simple-protocol Query: after an error in copy-in mode the server then
 * answers at once (ErrorResponse, ReadyForQuery) and drops whatever copy data is still on its way,
 * where the extended protocol would wait for a Sync. The text is gino-edge's own COPY statement.
 */

/** The node-postgres release whose client and connection this file was read from. */
export const CHECKED_AGAINST = '8.23.1';

/** The slice of a node-postgres `Connection` a copy drives. */
export interface PgCopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: unknown): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
  readonly stream?: unknown;
}

/**
 * How the copy waits for the connection's write buffer: a promise to wait for before the next
 * block, or undefined to go on at once. `stopped` resolves when the copy has ended anyway.
 */
export type Pace = (connection: PgCopyConnection, stopped: Promise<void>) => Promise<void> | undefined;

/** The slice of a Node stream (a socket) the pace of pg's connections reads. */
interface NodeWritable {
  readonly writableNeedDrain?: boolean;
  readonly writableLength?: number;
  readonly writableHighWaterMark?: number;
  once?(event: 'drain', listener: () => void): unknown;
  removeListener?(event: 'drain', listener: () => void): unknown;
}

/** Back-pressure on a Node socket: once its buffer is past its high-water mark, wait for 'drain'. */
export const nodeStreamPace: Pace = (connection, stopped) => {
  const stream = connection.stream as NodeWritable | undefined;
  if (!stream?.once) return undefined;
  const full =
    stream.writableNeedDrain ??
    (stream.writableLength !== undefined && stream.writableLength > (stream.writableHighWaterMark ?? 16384));
  if (!full) return undefined;
  return new Promise<void>((resolve) => {
    const go = () => {
      stream.removeListener?.('drain', go);
      resolve();
    };
    stream.once?.('drain', go);
    void stopped.then(go);
  });
};

/** A chunk as the driver's serializer takes it: a Buffer where there is one, else its two members. */
function chunkOf(text: string): unknown {
  const B = (globalThis as { Buffer?: { from(text: string, encoding: 'utf8'): Uint8Array } }).Buffer;
  if (B) return B.from(text, 'utf8');
  const bytes = new TextEncoder().encode(text);
  return {
    length: bytes.length,
    copy: (target: Uint8Array, offset: number) => {
      target.set(bytes, offset);
      return bytes.length;
    },
  };
}

const COPY_TAG = /^COPY (\d+)/;

/**
 * One `COPY ... FROM STDIN` as a node-postgres submittable: the statement, then `data`'s blocks
 * as CopyData, pulled one at a time as the connection's write buffer allows (`pace`), then
 * CopyDone; the callback gets the rows copied. When `data` throws, CopyFail aborts the COPY and
 * the callback gets that error; when the server fails the COPY (a bad value, a constraint, the
 * connection), no more data is sent and `data` is closed.
 */
export class CopyIn {
  callback: ((error: Error | null, rows?: number) => void) | undefined;
  private rows = 0;
  private ended = false;
  private failed: { error: unknown } | undefined;
  private stop!: () => void;
  private readonly stopped = new Promise<void>((resolve) => {
    this.stop = resolve;
  });

  constructor(
    private readonly sql: string,
    private readonly data: AsyncIterable<string>,
    private readonly pace: Pace,
    done: (error: Error | null, rows?: number) => void,
  ) {
    this.callback = done;
  }

  submit(connection: PgCopyConnection): null {
    connection.query(this.sql);
    return null;
  }

  handleCopyInResponse(connection: PgCopyConnection): void {
    void this.pump(connection);
  }

  private async pump(connection: PgCopyConnection): Promise<void> {
    const it = this.data[Symbol.asyncIterator]();
    try {
      for (;;) {
        const step = await it.next();
        if (this.ended) break;
        if (step.done) {
          connection.endCopyFrom();
          return;
        }
        connection.sendCopyFromChunk(chunkOf(step.value));
        const wait = this.pace(connection, this.stopped);
        if (wait) await wait;
        if (this.ended) break;
      }
    } catch (error) {
      if (this.ended) return;
      this.failed = { error };
      const message = error instanceof Error ? error.message : String(error);
      connection.sendCopyFail(`the rows failed: ${message}`.replace(/\0/g, '').slice(0, 500));
      return;
    }
    // The server ended the COPY: the rest of the data is not wanted.
    Promise.resolve(it.return?.()).catch(() => undefined);
  }

  handleCommandComplete(message: { text?: string; command?: string }): void {
    const m = COPY_TAG.exec(message.text ?? message.command ?? '');
    if (m) this.rows = Number(m[1]);
  }

  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}

  handleError(error: Error): void {
    this.ended = true;
    this.stop();
    this.finish(this.failed ? (this.failed.error as Error) : error);
  }

  handleReadyForQuery(): void {
    this.ended = true;
    this.stop();
    this.finish(null, this.rows);
  }

  private finish(error: Error | null, rows?: number): void {
    const callback = this.callback;
    this.callback = undefined;
    callback?.(error, rows);
  }
}

/** Run one COPY on a node-postgres-compatible client (see `CopyIn`); resolves to the rows copied. */
export function copyIn(
  client: { query(submittable: CopyIn): unknown },
  sql: string,
  data: AsyncIterable<string>,
  pace: Pace,
): Promise<number> {
  return new Promise((resolve, reject) => {
    client.query(new CopyIn(sql, data, pace, (error, rows) => (error ? reject(error) : resolve(rows as number))));
  });
}
