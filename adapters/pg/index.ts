/**
 * node-postgres adapter: `postgresql://`, `postgres://`, `postgresql+pg://`. A `pg.Pool` per
 * binding; values parsed by gino-edge's shared parsers per query (pg's global parsers untouched).
 *
 * @example
 * import { pg } from 'gino-edge/adapters/pg';
 * await db.setBind(pg({ pool: new Pool({ connectionString }) }));
 */
import type { Adapter, Capabilities, DriverQuery, DriverResult, Session } from '../../src/engine/adapter.js';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  type ExtendedQuery,
  extendedQuery,
  heldSession,
  type PgLikeQueryConfig,
  type PgLikeResult,
  pgLikeConfig,
  pgLikeResult,
  SERVER_SESSION_CAPABILITIES,
  SHARED_TYPES,
  settleSession,
} from '../../src/engine/adapter-kit.js';
import { redact, registerAdapter } from '../../src/engine/resolve.js';
import { ConnectionError, InvalidRequestError, leavesConnectionUsable } from '../../src/errors.js';

/** The slice of `pg.PoolClient` this adapter uses. */
export interface PgClientLike {
  query(config: PgLikeQueryConfig): Promise<PgLikeResult>;
  query(submittable: PgQueryLike | ExtendedQuery): unknown;
  release(error?: Error | boolean): void;
  on?(event: 'error', listener: (error: Error) => void): unknown;
  removeListener?(event: 'error', listener: (error: Error) => void): unknown;
}

/** The slice of `pg.Pool` this adapter uses. */
export interface PgPoolLike {
  connect(): Promise<PgClientLike>;
  end(): Promise<void>;
  on?(event: 'error', listener: (error: Error) => void): unknown;
}

export interface PgAdapterOptions {
  /** An existing pool; gino-edge ends it on close() only if `ownPool` is true. */
  pool?: PgPoolLike;
  ownPool?: boolean;
  /** Opening a connection, or waiting for a free one, fails after this long (default 30 s; 0: no limit). */
  connectionTimeoutMillis?: number;
  /** Any other option goes to `new pg.Pool(...)`: max, idleTimeoutMillis, ssl, query_timeout, ... */
  [option: string]: unknown;
}

const CAPABILITIES: Capabilities = SERVER_SESSION_CAPABILITIES;

/** `postgresql+pg://` → `postgresql://` for pg's connection string parser. */
export function pgConnectionString(url: string): string {
  return url.replace(/^postgres(ql)?\+pg:\/\//i, 'postgresql://');
}

/**
 * A URL pg's parser would refuse, refused here, at bind time and before any I/O, with the password
 * hidden (pg would otherwise fail at the first query with a bare "Invalid URL"). The same
 * acceptance as pg-connection-string: its encoding fix-up, then `new URL`, with its empty-host retry.
 */
function checkUrl(url: string, connectionString: string): void {
  let str = connectionString;
  if (str.startsWith('/')) return;
  if (/ |%[^a-f0-9]|%[a-f0-9][^a-f0-9]/i.test(str)) str = encodeURI(str).replace(/%25(\d\d)/g, '%$1');
  for (const candidate of [str, str.replace('@/', '@___DUMMY___/')]) {
    try {
      new URL(candidate, 'postgres://base');
      return;
    } catch {
      // try the next form, as pg does
    }
  }
  throw new ConnectionError(
    `'${redact(url)}' is not a valid URL (a bad port, bracket or character?); expected postgresql://user:password@host:port/db, with special characters in the password percent-encoded`,
  );
}

export { DEFAULT_CONNECT_TIMEOUT_MS };

/** pg's `Query`, as far as the direct path below uses it. */
interface PgQueryLike {
  submit(connection: unknown): unknown;
  queryMode?: unknown;
  _rowMode?: unknown;
  _result?: unknown;
  _results?: unknown;
  types?: unknown;
}

type PgQueryClass = new (
  text: string,
  values: readonly (string | null)[],
  callback: (error: Error | null, result: PgLikeResult) => void,
) => PgQueryLike;
type PgResultClass = new (rowMode: string, types: unknown) => unknown;

/** Runs one query on a checked-out client: `client.query(config)`, or the direct path. */
type ClientRunner = (client: PgClientLike, q: DriverQuery) => Promise<PgLikeResult>;

const configRunner: ClientRunner = (client, q) => client.query(pgLikeConfig(q));

/**
 * The direct path: pg copies every query config object it is given, property descriptor by
 * property descriptor (about 3 µs a query, the largest single cost of a round trip measured in
 * gino-edge's profile), but not a `Query` it is handed ready-made. So this builds pg's own `Query`
 * from the text and values (pg's cheap string form) and sets array rows, gino-edge's parsers and
 * the extended protocol (`queryMode`) on it. Array rows and parsers are pg internals (`_rowMode`,
 * `_result`): they are checked on a probe first, and any other pg takes the config path. A pg
 * older than 8.12 has no `queryMode`, and its `Query` would send a statement without parameters
 * over the simple protocol (which runs every statement a string holds): its clients get gino-edge's
 * own extended-protocol submittable instead.
 */
function directRunner(mod: unknown): ClientRunner {
  type Exports = { Query?: unknown; Result?: unknown; Client?: unknown };
  const m = mod as Exports & { default?: Exports };
  const Query = (m.Query ?? m.default?.Query) as PgQueryClass | undefined;
  const Result = (m.Result ?? m.default?.Result) as PgResultClass | undefined;
  const Client = (m.Client ?? m.default?.Client) as (abstract new (...args: never[]) => unknown) | undefined;
  if (typeof Query !== 'function' || typeof Result !== 'function' || typeof Client !== 'function') return configRunner;
  let probe: PgQueryLike;
  try {
    probe = new Query('SELECT 1', [], () => undefined);
    const fields = ['_rowMode', '_result', '_results', 'types'] as const;
    if (typeof probe.submit !== 'function' || !fields.every((f) => f in probe)) return configRunner;
    if (!('rowAsArray' in (new Result('array', undefined) as object))) return configRunner;
  } catch {
    return configRunner;
  }
  // Only pg's own Client takes a ready-made Query; any other client (a wrapper, a double) gets a config.
  if (!('queryMode' in probe)) {
    return (client, q) => (client instanceof Client ? extendedQuery(client, q) : client.query(pgLikeConfig(q)));
  }
  return (client, q) => {
    if (!(client instanceof Client)) return client.query(pgLikeConfig(q));
    return new Promise<PgLikeResult>((resolve, reject) => {
      const query = new Query(q.sql, q.params, (error, result) => (error ? reject(error) : resolve(result)));
      query.queryMode = 'extended';
      query._rowMode = 'array';
      query.types = SHARED_TYPES;
      query._result = new Result('array', SHARED_TYPES);
      query._results = query._result;
      client.query(query);
    });
  };
}

const ignore = (): void => undefined;

/** What to hand `release()` after a failed statement: nothing (keep the client) for a plain server error. */
function releaseReason(error: unknown): Error | true | undefined {
  if (leavesConnectionUsable(error)) return undefined;
  return error instanceof Error ? error : true;
}

/** The direct path when the 'pg' package can be loaded, else `client.query(config)`. */
async function loadRunner(): Promise<ClientRunner> {
  try {
    return directRunner(await import('pg'));
  } catch {
    return configRunner;
  }
}

async function loadPool(): Promise<new (config: Record<string, unknown>) => PgPoolLike> {
  try {
    const mod = (await import('pg')) as unknown as {
      Pool?: new (config: Record<string, unknown>) => PgPoolLike;
      default?: { Pool: new (config: Record<string, unknown>) => PgPoolLike };
    };
    const Pool = mod.Pool ?? mod.default?.Pool;
    if (!Pool) throw new Error('pg has no Pool export');
    return Pool;
  } catch (error) {
    throw new InvalidRequestError(
      `the pg adapter needs the 'pg' package: npm install pg (${(error as Error).message})`,
      { cause: error },
    );
  }
}

class PgAdapter implements Adapter {
  readonly name = 'pg';
  readonly capabilities = CAPABILITIES;
  private pool: PgPoolLike | undefined;
  private opening: Promise<PgPoolLike> | undefined;
  /** How statements reach a client, chosen once with the pool. */
  private run: ClientRunner = configRunner;

  constructor(
    private readonly make: () => Promise<PgPoolLike> | PgPoolLike,
    private readonly owns: boolean,
  ) {}

  private getPool(): Promise<PgPoolLike> | PgPoolLike {
    if (this.pool) return this.pool;
    this.opening ??= Promise.all([this.make(), loadRunner()]).then(([pool, run]) => {
      this.run = run;
      this.pool = pool;
      // An idle client losing its connection must not crash the process; the pool drops it.
      if (this.owns) pool.on?.('error', () => undefined);
      return pool;
    });
    return this.opening;
  }

  async query(q: DriverQuery): Promise<DriverResult> {
    const pool = this.pool ?? (await this.getPool());
    const run = this.run;
    // What pool.query() does: check out, run, release; a client whose statement failed other than
    // by a plain server error is dropped. Checking out here (not pool.query()) lets a new client's
    // session settings go first. A checked-out client whose connection dies also emits 'error'
    // (the pool listens only while it is idle); unheard, that event would crash the process: the
    // failed query reports it.
    const client = await pool.connect();
    client.on?.('error', ignore);
    let result: PgLikeResult;
    try {
      const settling = settleSession(client, (setup) => run(client, setup));
      if (settling) await settling;
      result = await run(client, q);
    } catch (error) {
      client.removeListener?.('error', ignore);
      client.release(releaseReason(error));
      throw error;
    }
    client.removeListener?.('error', ignore);
    client.release();
    return pgLikeResult(result);
  }

  async connect(): Promise<Session> {
    const pool = this.pool ?? (await this.getPool());
    const run = this.run;
    const client = await pool.connect();
    // A held client whose backend dies emits 'error' besides failing its query; unheard, that
    // event would crash the process. The failed query reports it; release() then drops the client.
    let lost: Error | undefined;
    const onError = (error: Error) => {
      lost = error;
    };
    client.on?.('error', onError);
    const settling = settleSession(client, (setup) => run(client, setup));
    if (settling) {
      try {
        await settling;
      } catch (error) {
        client.removeListener?.('error', onError);
        client.release(releaseReason(error));
        throw error;
      }
    }
    return heldSession(
      async (q) => pgLikeResult(await run(client, q)),
      (error?: unknown) => {
        client.removeListener?.('error', onError);
        const reason = error ?? lost;
        client.release(reason === undefined ? undefined : reason instanceof Error ? reason : true);
      },
    );
  }

  async close(): Promise<void> {
    const pool = this.pool ?? (this.opening ? await this.opening.catch(() => undefined) : undefined);
    if (pool && this.owns) await pool.end();
  }
}

/**
 * A pg adapter: from a URL (`pg('postgresql://...', { max: 5 })`), pool options, or `{ pool }`.
 */
export function pg(urlOrOptions: string | PgAdapterOptions, options: PgAdapterOptions = {}): Adapter {
  const opts: PgAdapterOptions =
    typeof urlOrOptions === 'string'
      ? { ...options, connectionString: pgConnectionString(urlOrOptions) }
      : urlOrOptions;
  const { pool, ownPool, ...poolConfig } = opts;
  if (pool) return new PgAdapter(() => pool, ownPool === true);
  if (typeof poolConfig.connectionString !== 'string' && typeof poolConfig.host !== 'string') {
    throw new ConnectionError('pg adapter: give a postgresql:// URL, { connectionString }, { host, ... } or { pool }');
  }
  if (typeof poolConfig.connectionString === 'string') {
    checkUrl(
      typeof urlOrOptions === 'string' ? urlOrOptions : poolConfig.connectionString,
      poolConfig.connectionString,
    );
  }
  poolConfig.connectionTimeoutMillis ??= DEFAULT_CONNECT_TIMEOUT_MS;
  return new PgAdapter(async () => new (await loadPool())(poolConfig), true);
}

// Binding by URL loads the driver at once, so a missing 'pg' package fails setBind(), before any statement.
registerAdapter('pg', async (url, options) => {
  await loadPool();
  return pg(url, options as PgAdapterOptions);
});

export default pg;
