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

/** A node-postgres-compatible query config: array rows, gino-edge's parsers for this query only. */
export interface PgLikeQueryConfig {
  text: string;
  values: readonly (string | null)[];
  rowMode: 'array';
  types: { getTypeParser(oid: number, format?: string): (text: string) => unknown };
}

/** gino-edge's parsers as a pg `types` object, handed over per query (never a driver's global). */
export const SHARED_TYPES: PgLikeQueryConfig['types'] = { getTypeParser: (oid: number) => parserFor(oid) };

export function pgLikeConfig(q: DriverQuery): PgLikeQueryConfig {
  return { text: q.sql, values: q.params, rowMode: 'array', types: SHARED_TYPES };
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
