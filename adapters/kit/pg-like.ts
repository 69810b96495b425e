/**
 * The node-postgres query shape that pg and Neon's WebSocket driver (which bundles node-postgres)
 * both speak: query configs and results in array mode, the extended-protocol submittable both
 * adapters run statements through, and what node-postgres says when a connection fails.
 */
import type { Capabilities, DriverQuery, DriverResult } from '../../src/engine/adapter.js';
import { commandTag } from '../../src/engine/adapter-kit.js';
import { parserFor } from '../../src/types/parse.js';

/** A node-postgres-compatible result, as pg and `@neondatabase/serverless` return it in array mode. */
export interface PgLikeResult {
  command: string;
  rowCount: number | null;
  fields: { name: string; dataTypeID: number }[];
  rows: unknown[][];
}

/**
 * A node-postgres-compatible query config: array rows, gino-edge's parsers for this query only,
 * and always the extended protocol (`queryMode`, pg 8.12 and later): a statement without
 * parameters would otherwise go as a simple-protocol Query message, which runs every statement a
 * string holds.
 */
export interface PgLikeQueryConfig {
  text: string;
  values: readonly (string | null)[];
  rowMode: 'array';
  queryMode: 'extended';
  types: { getTypeParser(oid: number, format?: string): (text: string) => unknown };
}

/** gino-edge's parsers as a pg `types` object, handed over per query (never a driver's global). */
export const SHARED_TYPES: PgLikeQueryConfig['types'] = { getTypeParser: (oid: number) => parserFor(oid) };

export function pgLikeConfig(q: DriverQuery): PgLikeQueryConfig {
  return { text: q.sql, values: q.params, rowMode: 'array', queryMode: 'extended', types: SHARED_TYPES };
}

/**
 * The slice of node-postgres's `Connection` (the protocol writer a client hands a submittable)
 * that `ExtendedQuery` drives: the messages of PostgreSQL's extended query protocol. pg-cursor
 * and pg-query-stream, node-postgres's own submittables, drive it the same way.
 */
export interface PgConnectionLike {
  parse(message: { text: string; name?: string; types?: readonly number[] }): void;
  bind(message: { portal?: string; statement?: string; values: readonly (string | null)[]; binary?: boolean }): void;
  describe(message: { type: 'P' | 'S'; name?: string }): void;
  execute(message: { portal?: string; rows?: number }): void;
  sync(): void;
  sendCopyFail(message: string): void;
  readonly stream?: { cork?: () => void; uncork?: () => void };
}

/** The result of a statement's last command, from its tag (`UPDATE 3`, `INSERT 0 1`), as pg reads it. */
const COMMAND_TAG = /^([A-Za-z]+)(?: (\d+))?(?: (\d+))?/;

/**
 * One statement over PostgreSQL's extended protocol (Parse, Bind, Describe, Execute, Sync), as a
 * node-postgres submittable: `client.query(new ExtendedQuery(q, done))`, node-postgres's documented
 * way to run a query class of one's own. The server parses the text as one statement (a second one
 * is a syntax error, 42601) whether or not it has parameters, on any pg-compatible client, Neon's
 * bundled one included (its pg predates the `queryMode` option). Rows come as arrays of values
 * parsed by the shared parsers; parameters are text already; results are always asked in text
 * format, whatever the client's `binary` setting.
 */
export class ExtendedQuery {
  /** Called once with the result or the error; the client may wrap it (its `query_timeout`). */
  callback: ((error: Error | null, result?: PgLikeResult) => void) | undefined;
  private readonly result: PgLikeResult = { command: '', rowCount: null, fields: [], rows: [] };
  private parsers: ((text: string) => unknown)[] = [];
  /** A value that would not parse: reported once the server is done with the statement. */
  private failure: Error | undefined;

  constructor(
    private readonly q: DriverQuery,
    done: (error: Error | null, result?: PgLikeResult) => void,
  ) {
    this.callback = done;
  }

  /** Called by the client when the connection is ready: all five messages in one write. */
  submit(connection: PgConnectionLike): null {
    connection.stream?.cork?.();
    try {
      connection.parse({ text: this.q.sql, types: [] });
      connection.bind({ values: this.q.params, binary: false });
      connection.describe({ type: 'P' });
      connection.execute({ rows: 0 });
      connection.sync();
    } finally {
      connection.stream?.uncork?.();
    }
    return null;
  }

  handleRowDescription(message: { fields: readonly { name: string; dataTypeID: number }[] }): void {
    this.result.fields = message.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID }));
    this.parsers = this.result.fields.map((f) => parserFor(f.dataTypeID));
  }

  handleDataRow(message: { fields: readonly (string | null)[] }): void {
    if (this.failure) return;
    const parsers = this.parsers;
    try {
      this.result.rows.push(
        message.fields.map((v, i) => (v === null ? null : (parsers[i] as (t: string) => unknown)(v))),
      );
    } catch (error) {
      this.failure = error as Error;
    }
  }

  handleCommandComplete(message: { text?: string; command?: string }): void {
    const m = COMMAND_TAG.exec(message.text ?? message.command ?? '');
    if (!m) return;
    this.result.command = m[1] as string;
    const count = m[3] ?? m[2];
    this.result.rowCount = count === undefined ? null : Number(count);
  }

  /** An empty statement (nothing but comments): no CommandComplete follows, and nothing to record. */
  handleEmptyQuery(): void {}

  /** Never sent: Execute asks for every row at once (`rows: 0`). */
  handlePortalSuspended(): void {}

  /**
   * `COPY ... FROM STDIN` needs a data stream gino-edge does not have: the server is told so and
   * reports the error. It ignored the Sync sent with the statement (copy-in mode ignores Sync), and
   * after a CopyFail waits for one before it answers anything else, so another Sync goes with it.
   */
  handleCopyInResponse(connection: PgConnectionLike): void {
    connection.sendCopyFail('gino-edge cannot stream data to COPY FROM STDIN; use INSERT statements');
    connection.sync();
  }

  /** `COPY ... TO STDOUT` data: not kept (no stream to hand it to). */
  handleCopyData(): void {}

  handleError(error: Error): void {
    this.finish(this.failure ?? error);
  }

  handleReadyForQuery(): void {
    if (this.failure) this.finish(this.failure);
    else this.finish(null, this.result);
  }

  private finish(error: Error | null, result?: PgLikeResult): void {
    const callback = this.callback;
    this.callback = undefined;
    callback?.(error, result);
  }
}

/** Run one statement on a pg-compatible client over the extended protocol (see `ExtendedQuery`). */
export function extendedQuery(
  client: { query(submittable: ExtendedQuery): unknown },
  q: DriverQuery,
): Promise<PgLikeResult> {
  return new Promise((resolve, reject) => {
    client.query(new ExtendedQuery(q, (error, result) => (error ? reject(error) : resolve(result as PgLikeResult))));
  });
}

export function pgLikeResult(r: PgLikeResult): DriverResult {
  return {
    command: commandTag(r.command, r.rowCount),
    rowCount: r.rowCount ?? r.rows.length,
    fields: r.fields,
    rows: r.rows,
  };
}

/**
 * What node-postgres (and Neon's bundled copy) says when a connection fails or ends, and what the
 * sockets it runs over say (Node's carry error codes; Workers' `cloudflare:sockets` do not).
 */
export const NODE_POSTGRES_LOST =
  /^(?:Connection terminated|timeout expired|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Client was closed|The server does not support SSL connections|There was an error establishing an SSL connection)|network connection lost|socket hang up|stream was cancelled|cannot connect to the specified address/i;

/**
 * How long opening a connection (or waiting for one) may take before it fails with a
 * ConnectionError, unless the binding's `connectionTimeoutMillis` says otherwise (0: no limit).
 * A server that accepts connections but never answers would otherwise hang every query.
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

/** What a server connection over the PostgreSQL protocol can do (pg, neon-ws). */
export const SERVER_SESSION_CAPABILITIES: Capabilities = Object.freeze({
  sessions: true,
  transactions: true,
  savepoints: true,
  cursors: true,
  nativeBatch: false,
  timeouts: true,
  copy: true,
});
