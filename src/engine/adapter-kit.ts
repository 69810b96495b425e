/**
 * Helpers shared by adapter modules: the node-postgres-compatible query shape (pg and Neon's
 * Client speak it), command tags, and the shared parsers as a pg `types` object. Driver-free.
 */

import { GinoError } from '../errors.js';
import { parserFor } from '../types/parse.js';
import type { Capabilities, DriverQuery, DriverResult, Session } from './adapter.js';

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

/**
 * The output settings the shared parsers read values in, whatever a database, role or URL's
 * `options` set: ISO dates and timestamps (DateStyle `ISO`; the day/month order, which only
 * governs how ambiguous input such as `03/04/2020` is read, stays the database's), intervals in
 * PostgreSQL's own style, and floats that read back exactly (`extra_float_digits` 3: the shortest
 * exact form from PostgreSQL 12 on, 17 significant digits before).
 */
export const SESSION_SETTINGS: Readonly<Record<'DateStyle' | 'IntervalStyle' | 'extra_float_digits', string>> =
  Object.freeze({ DateStyle: 'ISO', IntervalStyle: 'postgres', extra_float_digits: '3' });

const setAll = (local: boolean) =>
  `SELECT ${Object.entries(SESSION_SETTINGS)
    .map(([name, value]) => `set_config('${name}', '${value}', ${local})`)
    .join(', ')}`;

/** Sets `SESSION_SETTINGS` for the session (one statement, as the extended protocol takes it). */
export const SESSION_SETUP: DriverQuery = Object.freeze({ sql: setAll(false), params: [] });

/**
 * Sets `SESSION_SETTINGS` until the end of the current transaction, one `SET LOCAL` each. SET
 * takes no snapshot, so a `SET TRANSACTION ISOLATION LEVEL` after these still works.
 */
export const SESSION_SETUP_LOCAL: readonly DriverQuery[] = Object.freeze(
  Object.entries(SESSION_SETTINGS).map(([name, value]) =>
    Object.freeze({ sql: `SET LOCAL ${name} = '${value}'`, params: [] }),
  ),
);

/** The names `SESSION_PROBE` asks for, in order: the settings, then the server's version. */
const PROBED = [...Object.keys(SESSION_SETTINGS), 'server_version_num'];

/**
 * The session's own values of the settings and the server's version, one `SHOW` each (SHOW, like
 * SET, takes no snapshot): their single values, in order, are what `sessionSettingsFit` reads.
 */
export const SESSION_PROBE: readonly DriverQuery[] = Object.freeze(
  PROBED.map((name) => Object.freeze({ sql: `SHOW ${name}`, params: [] })),
);

/** Whether a session whose `SESSION_PROBE` values are `values` already outputs what the shared parsers read. */
export function sessionSettingsFit(values: readonly unknown[]): boolean {
  const [dateStyle, intervalStyle, floatDigits, version] = values.map(String);
  const digits = Number(floatDigits);
  // Any positive extra_float_digits selects the shortest exact output from PostgreSQL 12 on.
  const exact = digits >= 3 || (digits >= 1 && Number(version) >= 120000);
  return /^ISO\b/i.test(dateStyle ?? '') && intervalStyle === 'postgres' && exact;
}

/** Physical connections (driver clients, PGlite instances) whose session settings are being set. */
const settling = new WeakMap<object, Promise<void>>();
/** Physical connections whose session settings are in place. */
const settled = new WeakSet<object>();

/**
 * Run `SESSION_SETUP` on a connection before its first statement, once per physical connection
 * (a pool's clients are told apart by identity, whoever made the pool). Undefined once it is done,
 * so a statement on a settled connection waits for nothing. A SET statement rather than a startup
 * option: PgBouncer in transaction mode replays the parameters the server reports (DateStyle
 * always, IntervalStyle where configured) on each server connection it hands the client, and may
 * refuse a startup `options` parameter. extra_float_digits is not reported, so behind such a
 * pooler it holds only where the database's own default allows exact floats (PostgreSQL 12's
 * default does). If the setup fails, the next statement on the connection tries again.
 */
export function settleSession(
  connection: object,
  run: (q: DriverQuery) => Promise<unknown>,
): Promise<void> | undefined {
  if (settled.has(connection)) return undefined;
  let pending = settling.get(connection);
  if (!pending) {
    pending = run(SESSION_SETUP).then(
      () => {
        settled.add(connection);
        settling.delete(connection);
      },
      (error: unknown) => {
        settling.delete(connection);
        throw error;
      },
    );
    settling.set(connection, pending);
  }
  return pending;
}

/** The full command tag (`INSERT 0 1`, `UPDATE 3`) from a command word and a row count. */
export function commandTag(command: string, rowCount: number | null | undefined): string {
  if (rowCount === null || rowCount === undefined) return command;
  return command === 'INSERT' ? `INSERT 0 ${rowCount}` : `${command} ${rowCount}`;
}

export function pgLikeResult(r: PgLikeResult): DriverResult {
  return {
    command: commandTag(r.command, r.rowCount),
    rowCount: r.rowCount ?? r.rows.length,
    fields: r.fields,
    rows: r.rows,
  };
}

/** Neon settings that configure its WebSocket client (a client's own `neonConfig`). */
export const NEON_WS_SETTINGS: ReadonlySet<string> = new Set([
  'webSocketConstructor',
  'wsProxy',
  'useSecureWebSocket',
  'pipelineConnect',
  'pipelineTLS',
  'coalesceWrites',
  'forceDisablePgSSL',
  'subtls',
  'rootCerts',
  'disableSNI',
  'disableWarningInBrowsers',
]);

/** The options of Neon's HTTP mode that neon-http takes (a neon-ws binding ignores them). */
export const NEON_HTTP_SETTINGS: ReadonlySet<string> = new Set([
  'fetchEndpoint',
  'fetchFunction',
  'fetchOptions',
  'authToken',
  'timeoutMs',
]);

/**
 * How long opening a connection (or waiting for one) may take before it fails with a
 * ConnectionError, unless the binding's `connectionTimeoutMillis` says otherwise (0: no limit).
 * A server that accepts connections but never answers would otherwise hang every query.
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

/**
 * A session on one held connection: its statements (refused once it is released), and `release`
 * run once (later calls do nothing).
 */
export function heldSession(query: Session['query'], release: (error?: unknown) => void | Promise<void>): Session {
  let released = false;
  return {
    query: (q) => (released ? Promise.reject(new GinoError('this session was released')) : query(q)),
    release: async (error?: unknown) => {
      if (released) return;
      released = true;
      await release(error);
    },
  };
}

/** Lets one holder in at a time, in call order (a single connection, one transaction level). */
export class Turnstile {
  private tail: Promise<void> = Promise.resolve();
  /** Holders and waiters: a caller finding none is let in without waiting. */
  private inside = 0;

  /**
   * Wait for the holders before; resolves to the function that lets the next one in. With a
   * `limit`, a caller that has to wait longer fails with `limit.error()` instead, and its turn,
   * when it comes, is handed on at once.
   */
  enter(limit?: { ms: number; error: () => Error }): Promise<() => void> {
    const free = this.inside === 0;
    this.inside++;
    let leave!: () => void;
    const held = new Promise<void>((resolve) => {
      let left = false;
      leave = () => {
        if (left) return;
        left = true;
        this.inside--;
        resolve();
      };
    });
    const ready = this.tail.then(() => leave);
    this.tail = this.tail.then(() => held);
    if (free || !limit || !(limit.ms > 0)) return ready;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        void ready.then((let_go) => let_go());
        reject(limit.error());
      }, limit.ms);
      void ready.then((let_go) => {
        clearTimeout(timer);
        resolve(let_go);
      });
    });
  }
}

/** What a server connection over the PostgreSQL protocol can do (pg, neon-ws). */
export const SERVER_SESSION_CAPABILITIES: Capabilities = Object.freeze({
  sessions: true,
  transactions: true,
  savepoints: true,
  cursors: true,
  nativeBatch: false,
  timeouts: true,
});
