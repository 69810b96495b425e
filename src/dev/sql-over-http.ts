/**
 * Neon's SQL-over-HTTP protocol (`POST /sql`), answered by node-postgres against the proxy's
 * target. What the Neon driver sends and expects, byte for byte where it matters:
 *
 * - headers `Neon-Connection-String` (user, password and database; the host is ignored: the proxy
 *   always connects to its target), `Neon-Raw-Text-Output: true`, `Neon-Array-Mode: true`, and for
 *   batches `Neon-Batch-Isolation-Level`, `Neon-Batch-Read-Only`, `Neon-Batch-Deferrable`;
 * - body `{ query, params }` or `{ queries: [{ query, params }, ...] }`, parameters already text;
 * - reply `{ command, rowCount, rowAsArray, fields, rows }` (values as text) or `{ results: [...] }`;
 *   a server error is HTTP 400 with PostgreSQL's error fields.
 *
 * Statements run with the extended protocol, as on Neon, so multi-statement text is refused by
 * the server itself (42601, "cannot insert multiple commands into a prepared statement").
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pgErrorFields } from '../errors.js';

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
  query(config: PgQueryConfig | string): Promise<PgResult>;
  release(error?: Error | boolean): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
}
export interface PgPool {
  query(config: PgQueryConfig): Promise<PgResult>;
  connect(): Promise<PgPoolClient>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}
export type PgPoolClass = new (config: Record<string, unknown>) => PgPool;

/** Values stay exactly the text PostgreSQL sent: the client parses them. */
const RAW_TEXT = { getTypeParser: () => (text: string) => text };

/** PostgreSQL's error fields, as Neon returns them with HTTP 400. */
const ERROR_FIELDS = [
  'severity',
  'code',
  'detail',
  'hint',
  'position',
  'internalPosition',
  'internalQuery',
  'where',
  'schema',
  'table',
  'column',
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

/** A request the client got wrong: HTTP 400 with a message and no SQLSTATE. */
class BadRequest extends Error {}

interface HttpQuery {
  query: string;
  params: unknown[];
}

/** Where the target is, and the credentials to fall back on. */
export interface TargetAddress {
  host: string;
  port: number;
  user: string | undefined;
  password: string | undefined;
  database: string | undefined;
}

/** One pool per (user, password, database) the clients name, all to the same target. */
export class TargetPools {
  private readonly pools = new Map<string, PgPool>();
  constructor(
    private readonly Pool: PgPoolClass,
    private readonly target: TargetAddress,
  ) {}

  forConnectionString(connectionString: string): PgPool {
    let url: URL;
    try {
      url = new URL(connectionString);
    } catch {
      throw new BadRequest('Neon-Connection-String is not a valid postgresql:// URL');
    }
    if (!/^postgres(ql)?:$/.test(url.protocol)) {
      throw new BadRequest('Neon-Connection-String must be a postgresql:// URL');
    }
    const user = decodeURIComponent(url.username) || this.target.user;
    if (!user) throw new BadRequest('Neon-Connection-String has no user name');
    const database = decodeURIComponent(url.pathname.slice(1)) || this.target.database || user;
    const password =
      url.password !== ''
        ? decodeURIComponent(url.password)
        : user === this.target.user
          ? this.target.password
          : undefined;
    const key = JSON.stringify([user, password ?? null, database]);
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new this.Pool({
        host: this.target.host,
        port: this.target.port,
        user,
        password,
        database,
        max: 10,
        // Like Neon's HTTP endpoint, hold no connection between requests for long: many roles
        // (one pool each) must not pin the server's connection slots.
        idleTimeoutMillis: 200,
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

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

function parseQuery(value: unknown, where: string): HttpQuery {
  if (typeof value !== 'object' || value === null || typeof (value as { query?: unknown }).query !== 'string') {
    throw new BadRequest(`${where} must be an object with a "query" string`);
  }
  const { query, params = [] } = value as { query: string; params?: unknown };
  if (!Array.isArray(params)) throw new BadRequest(`${where}.params must be an array`);
  return { query, params };
}

function toReply(r: PgResult, arrayMode: boolean): Record<string, unknown> {
  const fields = r.fields.map((f) => ({
    name: f.name,
    dataTypeID: f.dataTypeID,
    tableID: f.tableID,
    columnID: f.columnID,
    dataTypeSize: f.dataTypeSize,
    dataTypeModifier: f.dataTypeModifier,
    format: f.format,
  }));
  const rows = arrayMode
    ? r.rows
    : r.rows.map((row) => Object.fromEntries(fields.map((f, i) => [f.name, row[i] ?? null])));
  return { command: r.command, rowCount: r.rowCount, rowAsArray: arrayMode, fields, rows };
}

function config(q: HttpQuery): PgQueryConfig {
  return { text: q.query, values: q.params, rowMode: 'array', queryMode: 'extended', types: RAW_TEXT };
}

function beginSql(req: IncomingMessage): string {
  let sql = 'BEGIN';
  const isolation = header(req, 'Neon-Batch-Isolation-Level');
  if (isolation !== undefined) {
    const level = ISOLATION[isolation];
    if (!level) throw new BadRequest(`unknown Neon-Batch-Isolation-Level '${isolation}'`);
    sql += ` ISOLATION LEVEL ${level}`;
  }
  const readOnly = header(req, 'Neon-Batch-Read-Only');
  if (readOnly !== undefined) sql += readOnly === 'true' ? ' READ ONLY' : ' READ WRITE';
  const deferrable = header(req, 'Neon-Batch-Deferrable');
  if (deferrable !== undefined) sql += deferrable === 'true' ? ' DEFERRABLE' : ' NOT DEFERRABLE';
  return sql;
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BadRequest(`request body larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Whether an error came from the PostgreSQL server (it carries a SQLSTATE). */
function isServerError(error: unknown): error is Record<string, unknown> & Error {
  return pgErrorFields(error) !== undefined;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Run a batch in one transaction on one connection. A client that went away before the COMMIT
 * (its request cancelled, timed out, or the proxy closing) gets it rolled back: it was told the
 * batch failed, so none of it may become visible.
 */
async function runBatch(
  pool: PgPool,
  begin: string,
  queries: HttpQuery[],
  clientGone: () => boolean,
): Promise<PgResult[]> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // A checked-out client whose backend dies emits 'error' besides failing its query; unheard, that
  // event would crash the proxy. The failed query reports it; the client is then dropped.
  const onError = (error: Error) => {
    broken ??= error;
  };
  client.on('error', onError);
  try {
    await client.query(begin);
    const results: PgResult[] = [];
    try {
      for (const q of queries) results.push(await client.query(config(q)));
      if (clientGone()) throw new Error('the client went away before COMMIT; the batch was rolled back');
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch((e: Error) => {
        broken = e;
      });
      throw error;
    }
    return results;
  } catch (error) {
    if (!isServerError(error)) broken ??= error as Error;
    throw error;
  } finally {
    client.removeListener('error', onError);
    client.release(broken);
  }
}

/** Answer one `POST /sql` request. */
export async function handleSql(req: IncomingMessage, res: ServerResponse, pools: TargetPools): Promise<void> {
  let gone = false;
  res.on('close', () => {
    if (!res.writableFinished) gone = true;
  });
  try {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST, OPTIONS');
      send(res, 405, { message: 'use POST /sql' });
      return;
    }
    const connectionString = header(req, 'Neon-Connection-String');
    if (!connectionString) throw new BadRequest('missing Neon-Connection-String header');
    const arrayMode = header(req, 'Neon-Array-Mode') === 'true';
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req, 64 * 1024 * 1024));
    } catch (error) {
      throw error instanceof BadRequest ? error : new BadRequest('the request body is not JSON');
    }
    const pool = pools.forConnectionString(connectionString);
    const queries = (body as { queries?: unknown }).queries;
    if (queries !== undefined) {
      if (!Array.isArray(queries)) throw new BadRequest('"queries" must be an array');
      const parsed = queries.map((q, i) => parseQuery(q, `queries[${i}]`));
      const results = await runBatch(pool, beginSql(req), parsed, () => gone);
      send(res, 200, { results: results.map((r) => toReply(r, arrayMode)) });
      return;
    }
    const q = parseQuery(body, 'the body');
    send(res, 200, toReply(await pool.query(config(q)), arrayMode));
  } catch (error) {
    if (error instanceof BadRequest) {
      send(res, 400, { message: error.message });
    } else if (isServerError(error)) {
      const reply: Record<string, unknown> = { message: error.message };
      for (const field of ERROR_FIELDS) if (error[field] !== undefined) reply[field] = error[field];
      send(res, 400, reply);
    } else {
      // The target is unreachable or the connection broke: not a SQL error.
      send(res, 502, { message: `the proxy could not reach its target: ${(error as Error).message}` });
    }
  }
}
