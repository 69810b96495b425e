/**
 * Neon's SQL-over-HTTP protocol (`POST /sql`), answered by node-postgres against the proxy's
 * target, as strictly as Neon's proxy answers it (proxy/src/serverless/ in Neon's repository):
 *
 * - headers `Neon-Connection-String` (visible ASCII: user, password and database; the host is
 *   ignored, the proxy always connects to its target), `Neon-Raw-Text-Output`, `Neon-Array-Mode`,
 *   and for batches `Neon-Batch-Isolation-Level`, `Neon-Batch-Read-Only`, `Neon-Batch-Deferrable`,
 *   each of the last two adding its clause only when it is exactly `true`;
 * - a password is required and checked by the target (none falls back to the target URL's), or
 *   `Authorization: Bearer <JWT>` when the proxy has a `jwt` key (jwt.ts);
 * - body `{ query, params, arrayMode? }` or `{ queries: [...] }`, at most `maxRequestBytes`
 *   (10 MiB, HTTP 413), parameters already text;
 * - reply `{ command, rowCount, rowAsArray, fields, rows }` (values as text) or `{ results: [...] }`,
 *   at most `maxResponseBytes` of rows (10 MiB, HTTP 507 "response is too large");
 * - errors as Neon sends them: every field present, a PostgreSQL error with its SQLSTATE (HTTP 400),
 *   anything else with `code: ""` and null fields (400 for what the client got wrong);
 * - each request on a pooled connection that is reset after it (`DISCARD ALL`: settings, temporary
 *   tables, advisory locks, listeners), and dropped if a statement left it inside a transaction;
 * - a client that goes away (aborted, timed out) cancels its running statement on the server.
 *
 * Statements run with the extended protocol, as on Neon, so multi-statement text is refused by
 * the server itself (42601, "cannot insert multiple commands into a prepared statement").
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect as tcpConnect } from 'node:net';
import { pgErrorFields } from '../errors.js';
import { JwtRefused, type JwtVerifier } from './jwt.js';
import { CANCEL_REQUEST } from './pg-frames.js';

/** The slice of node-postgres this module uses. */
interface PgField {
  name: string;
  tableID: number;
  columnID: number;
  dataTypeID: number;
  dataTypeSize: number;
  dataTypeModifier: number;
  format: string;
}
interface PgResult {
  command: string;
  rowCount: number | null;
  fields: PgField[];
  rows: unknown[][];
}
interface PgQueryConfig {
  text: string;
  values: unknown[];
  rowMode: 'array';
  queryMode: 'extended';
  types: { getTypeParser: () => (text: string) => string };
}
interface PgPoolClient {
  /** The backend's key (node-postgres keeps it for its own cancel requests). */
  processID: number | null;
  secretKey: number | null;
  query(config: PgQueryConfig | string): Promise<PgResult>;
  release(error?: Error | boolean): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
}
export interface PgPool {
  connect(): Promise<PgPoolClient>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}
export type PgPoolClass = new (config: Record<string, unknown>) => PgPool;

/** Neon's limits (`sql_over_http_max_request_size_bytes` and `..._max_response_size_bytes`). */
export interface SqlOverHttpLimits {
  /** The largest request body; larger is HTTP 413. Neon's default: 10 MiB. */
  maxRequestBytes: number;
  /** The most bytes of rows in one reply; more is HTTP 507. Neon's default: 10 MiB. */
  maxResponseBytes: number;
}

export const NEON_LIMITS: Readonly<SqlOverHttpLimits> = {
  maxRequestBytes: 10 * 1024 * 1024,
  maxResponseBytes: 10 * 1024 * 1024,
};

/** Values stay exactly the text PostgreSQL sent: the client parses them. */
const RAW_TEXT = { getTypeParser: () => (text: string) => text };

/** The fields of every error reply, in Neon's order; absent ones are null (code and severity ""). */
const ERROR_FIELDS = [
  'code',
  'detail',
  'hint',
  'position',
  'internalPosition',
  'internalQuery',
  'severity',
  'where',
  'table',
  'column',
  'schema',
  'dataType',
  'constraint',
  'file',
  'line',
  'routine',
] as const;

const ISOLATION: Readonly<Record<string, string>> = {
  ReadUncommitted: 'READ UNCOMMITTED',
  ReadCommitted: 'READ COMMITTED',
  RepeatableRead: 'REPEATABLE READ',
  Serializable: 'SERIALIZABLE',
};

/** Resets a pooled connection between requests; fails inside a transaction, which drops it. */
const RESET = 'DISCARD ALL';

/** A refusal that is not a PostgreSQL error: `code: ""`, and Neon's status for it. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The request's client went away: its statement was cancelled. */
class ClientGone extends Error {}

interface HttpQuery {
  query: string;
  params: unknown[];
  arrayMode: boolean | undefined;
}

/** Where the target is, and the credentials JWT requests connect with. */
export interface TargetAddress {
  host: string;
  port: number;
  user: string | undefined;
  password: string | undefined;
  database: string | undefined;
}

/** Who a request connects as, from its `Neon-Connection-String` (and `Authorization`). */
interface Credentials {
  user: string;
  password: string | undefined;
  database: string;
  options: string | undefined;
  /** The verified JWT claims, for a token request. */
  claims: Record<string, unknown> | undefined;
}

/** One pool per (user, password, database) the clients name, all to the same target. */
export class TargetPools {
  private readonly pools = new Map<string, PgPool>();
  constructor(
    private readonly Pool: PgPoolClass,
    readonly target: TargetAddress,
    /** How long a connection may sit idle in a pool (200 ms by default). */
    private readonly idleMs = 200,
    /** Connections per pool (10 by default). */
    private readonly max = 10,
  ) {}

  pool(c: Credentials): PgPool {
    const key = JSON.stringify([c.user, c.password ?? null, c.database, c.options ?? null]);
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new this.Pool({
        host: this.target.host,
        port: this.target.port,
        user: c.user,
        password: c.password,
        database: c.database,
        ...(c.options === undefined ? {} : { options: c.options }),
        max: this.max,
        // Like Neon's HTTP endpoint, hold no connection between requests for long: many roles
        // (one pool each) must not pin the server's connection slots.
        idleTimeoutMillis: this.idleMs,
        allowExitOnIdle: true,
        application_name: 'gino-edge neon proxy',
      });
      // An idle connection dropping must not take the proxy down; the pool replaces it.
      pool.on('error', () => undefined);
      this.pools.set(key, pool);
    }
    return pool;
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
  }
}

export interface SqlOverHttpConfig {
  pools: TargetPools;
  limits: SqlOverHttpLimits;
  jwt: JwtVerifier | undefined;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Visible ASCII (and tab), as Neon's header parsing requires. */
const VISIBLE_ASCII = /^[\t\x20-\x7e]*$/;

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new Refusal(400, `invalid ${what}: it is not valid percent-encoded UTF-8`);
  }
}

/** The credentials of a request, checked in Neon's order and with its messages. */
function credentials(req: IncomingMessage, target: TargetAddress, jwt: JwtVerifier | undefined): Credentials {
  const raw = header(req, 'Neon-Connection-String');
  if (raw === undefined || !VISIBLE_ASCII.test(raw)) {
    throw new Refusal(400, 'invalid header: neon-connection-string');
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    throw new Refusal(400, `invalid connection string: ${(error as Error).message}`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw new Refusal(400, 'incorrect scheme');
  const database = decode(url.pathname.slice(1).split('/')[0] ?? '', 'database name');
  if (database === '') throw new Refusal(400, 'missing database name');
  const user = decode(url.username, 'username');
  if (user === '') throw new Refusal(400, 'missing username');
  const options = url.searchParams.get('options') ?? undefined;
  const authorization = header(req, 'Authorization');
  if (authorization !== undefined) {
    if (!jwt) {
      throw new Refusal(
        400,
        'missing authentication credentials: required password (this endpoint takes no JWT; start the proxy with jwt: { key } to test authToken)',
      );
    }
    if (!authorization.startsWith('Bearer ')) {
      throw new Refusal(400, 'missing authentication credentials: required authorization bearer token in JWT format');
    }
    try {
      const claims = jwt.verify(authorization.slice('Bearer '.length), user);
      return { user, password: target.password, database, options, claims };
    } catch (error) {
      if (error instanceof JwtRefused) throw new Refusal(400, error.message);
      throw error;
    }
  }
  if (url.password === '') throw new Refusal(400, 'missing authentication credentials: required password');
  return { user, password: decode(url.password, 'password'), database, options, claims: undefined };
}

function parseQuery(value: unknown): HttpQuery {
  if (typeof value !== 'object' || value === null || typeof (value as { query?: unknown }).query !== 'string') {
    throw new Refusal(400, 'could not parse the HTTP request body: expected { query, params } or { queries: [...] }');
  }
  const { query, params = [], arrayMode } = value as { query: string; params?: unknown; arrayMode?: unknown };
  if (!Array.isArray(params))
    throw new Refusal(400, 'could not parse the HTTP request body: "params" must be an array');
  if (arrayMode !== undefined && typeof arrayMode !== 'boolean') {
    throw new Refusal(400, 'could not parse the HTTP request body: "arrayMode" must be a boolean');
  }
  return { query, params, arrayMode };
}

/** Counts the bytes of rows a reply carries, against the limit. */
class ReplyBudget {
  private used = 0;
  constructor(private readonly max: number) {}
  add(rows: readonly unknown[]): void {
    for (const row of rows) {
      this.used += JSON.stringify(row).length + 1;
      if (this.used > this.max) throw new Refusal(507, `response is too large (max is ${this.max} bytes)`);
    }
  }
}

function toReply(r: PgResult, arrayMode: boolean, budget: ReplyBudget): Record<string, unknown> {
  const fields = r.fields.map((f) => ({
    name: f.name,
    dataTypeID: f.dataTypeID,
    tableID: f.tableID,
    columnID: f.columnID,
    dataTypeSize: f.dataTypeSize,
    dataTypeModifier: f.dataTypeModifier,
    format: 'text',
  }));
  const rows = arrayMode
    ? r.rows
    : r.rows.map((row) => Object.fromEntries(fields.map((f, i) => [f.name, row[i] ?? null])));
  budget.add(rows);
  return { command: r.command, rowCount: r.rowCount, rowAsArray: arrayMode, fields, rows };
}

function config(q: HttpQuery): PgQueryConfig {
  return { text: q.query, values: q.params, rowMode: 'array', queryMode: 'extended', types: RAW_TEXT };
}

/** BEGIN with the batch headers' clauses; read-only and deferrable only for exactly `true`. */
function beginSql(req: IncomingMessage): { sql: string; echo: Record<string, string> } {
  let sql = 'BEGIN';
  const echo: Record<string, string> = {};
  const isolation = header(req, 'Neon-Batch-Isolation-Level');
  if (isolation !== undefined) {
    const level = ISOLATION[isolation];
    if (!level) throw new Refusal(400, 'invalid isolation level');
    sql += ` ISOLATION LEVEL ${level}`;
    echo['Neon-Batch-Isolation-Level'] = isolation;
  }
  if (header(req, 'Neon-Batch-Read-Only') === 'true') {
    sql += ' READ ONLY';
    echo['Neon-Batch-Read-Only'] = 'true';
  }
  if (header(req, 'Neon-Batch-Deferrable') === 'true') {
    sql += ' DEFERRABLE';
    echo['Neon-Batch-Deferrable'] = 'true';
  }
  return { sql, echo };
}

/** The body, read to its end; larger than `limit` is HTTP 413 (the rest is read and dropped). */
async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= limit) chunks.push(chunk as Buffer);
  }
  if (size > limit) throw new Refusal(413, `request is too large (max is ${limit} bytes)`);
  return Buffer.concat(chunks).toString('utf8');
}

/** Whether an error came from the PostgreSQL server (it carries a SQLSTATE). */
function isServerError(error: unknown): error is Record<string, unknown> & Error {
  return pgErrorFields(error) !== undefined;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Neon's error reply: every field, from a PostgreSQL error when there is one. */
function errorReply(message: string, server?: Record<string, unknown>): Record<string, unknown> {
  const reply: Record<string, unknown> = { message };
  for (const field of ERROR_FIELDS) {
    const value = server?.[field];
    reply[field] = typeof value === 'string' ? value : field === 'code' || field === 'severity' ? '' : null;
  }
  return reply;
}

/** Ask the target to cancel what a backend is running (PostgreSQL's CancelRequest). */
function cancelBackend(target: TargetAddress, client: PgPoolClient): void {
  if (client.processID === null || client.secretKey === null) return;
  const request = Buffer.alloc(16);
  request.writeInt32BE(16, 0);
  request.writeInt32BE(CANCEL_REQUEST, 4);
  request.writeInt32BE(client.processID, 8);
  request.writeInt32BE(client.secretKey, 12);
  const socket = tcpConnect({ host: target.host, port: target.port });
  socket.on('error', () => undefined);
  socket.end(request);
}

/**
 * One request's connection: statements run cancellably (a client gone cancels the running one),
 * and on release the connection is reset, or dropped when it cannot be reused.
 */
class RequestConnection {
  private broken: Error | undefined;
  private cancelled = false;
  private readonly onError = (error: Error) => {
    this.broken ??= error;
  };

  constructor(
    private readonly client: PgPoolClient,
    private readonly target: TargetAddress,
    private readonly gone: GoneWatch,
  ) {
    // A checked-out client whose backend dies emits 'error' besides failing its query; unheard,
    // that event would crash the proxy. The failed query reports it; the client is then dropped.
    client.on('error', this.onError);
  }

  async run(q: PgQueryConfig | string): Promise<PgResult> {
    if (this.gone.gone) throw new ClientGone('the client went away');
    const stop = this.gone.whenGone(() => {
      this.cancelled = true;
      cancelBackend(this.target, this.client);
    });
    try {
      return await this.client.query(q);
    } catch (error) {
      if (!isServerError(error)) this.broken ??= error as Error;
      throw this.cancelled ? new ClientGone('the client went away; its statement was cancelled') : error;
    } finally {
      stop();
    }
  }

  /** End a failed batch, whether or not its client is still there. */
  async rollback(): Promise<void> {
    if (this.broken !== undefined || this.cancelled) return;
    await this.client.query('ROLLBACK').catch((error: Error) => {
      this.broken = error;
    });
  }

  async release(): Promise<void> {
    // A cancel request may still be on its way: the connection is not reused.
    if (this.broken === undefined && !this.cancelled) {
      try {
        await this.client.query(RESET);
      } catch (error) {
        this.broken = error as Error;
      }
    }
    // Still listening until here: the backend may die during the reset too.
    this.client.removeListener('error', this.onError);
    this.client.release(this.broken ?? (this.cancelled ? true : undefined));
  }
}

/** Whether the request's client went away, and who to tell when it does. */
class GoneWatch {
  gone = false;
  private listeners = new Set<() => void>();
  constructor(res: ServerResponse) {
    res.on('close', () => {
      if (res.writableFinished) return;
      this.gone = true;
      for (const listener of this.listeners) listener();
    });
  }
  whenGone(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

async function connect(pool: PgPool, c: Credentials): Promise<PgPoolClient> {
  try {
    return await pool.connect();
  } catch (error) {
    // Neon checks the password itself: a wrong one is its own refusal, not a SQL error.
    if (pgErrorFields(error)?.code === '28P01') {
      throw new Refusal(400, `password authentication failed for user '${c.user}'`);
    }
    throw error;
  }
}

/** Answer one `POST /sql` request. */
export async function handleSql(req: IncomingMessage, res: ServerResponse, cfg: SqlOverHttpConfig): Promise<void> {
  const gone = new GoneWatch(res);
  try {
    const c = credentials(req, cfg.pools.target, cfg.jwt);
    const defaultArrayMode = header(req, 'Neon-Array-Mode') === 'true';
    let body: unknown;
    const text = await readBody(req, cfg.limits.maxRequestBytes);
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new Refusal(400, `could not parse the HTTP request body: ${(error as Error).message}`);
    }
    const queries = (body as { queries?: unknown } | null)?.queries;
    const batch = queries !== undefined;
    if (batch && !Array.isArray(queries)) {
      throw new Refusal(400, 'could not parse the HTTP request body: "queries" must be an array');
    }
    const parsed = batch ? (queries as unknown[]).map(parseQuery) : [parseQuery(body)];
    const begin = batch ? beginSql(req) : undefined;
    const pool = cfg.pools.pool(c);
    const budget = new ReplyBudget(cfg.limits.maxResponseBytes);
    const conn = new RequestConnection(await connect(pool, c), cfg.pools.target, gone);
    try {
      if (c.claims) {
        await conn.run({
          text: "SELECT set_config('request.jwt.claims', $1, false)",
          values: [JSON.stringify(c.claims)],
          rowMode: 'array',
          queryMode: 'extended',
          types: RAW_TEXT,
        });
      }
      if (!begin) {
        const q = parsed[0] as HttpQuery;
        send(res, 200, toReply(await conn.run(config(q)), q.arrayMode ?? defaultArrayMode, budget));
        return;
      }
      await conn.run(begin.sql);
      try {
        const results: Record<string, unknown>[] = [];
        for (const q of parsed)
          results.push(toReply(await conn.run(config(q)), q.arrayMode ?? defaultArrayMode, budget));
        // A client that went away before the COMMIT was told the batch failed: none of it may stay.
        if (gone.gone) throw new ClientGone('the client went away before COMMIT; the batch was rolled back');
        await conn.run('COMMIT');
        send(res, 200, { results }, begin.echo);
      } catch (error) {
        await conn.rollback();
        throw error;
      }
    } finally {
      await conn.release();
    }
  } catch (error) {
    if (error instanceof ClientGone) {
      send(res, 400, errorReply('Query cancelled, connection was terminated', { code: '08P01' }));
    } else if (error instanceof Refusal) {
      send(res, error.status, errorReply(error.message));
    } else if (isServerError(error)) {
      send(res, 400, errorReply(error.message, error));
    } else {
      // The target is unreachable or the connection broke: not the client's doing.
      send(res, 500, errorReply(`the proxy could not reach its target: ${(error as Error).message}`));
    }
  }
}
