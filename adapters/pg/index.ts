/**
 * node-postgres adapter: `postgresql://`, `postgres://`, `postgresql+pg://`. A `pg.Pool` per
 * binding; values parsed by gino-edge's shared parsers per query (pg's global parsers untouched).
 *
 * @example
 * import { pg } from 'gino-edge/adapters/pg';
 * await db.setBind(pg({ pool: new Pool({ connectionString }) }));
 */
import type { Adapter, Capabilities, DriverQuery, DriverResult, Session } from '../../src/engine/adapter.js';
import { heldSession, settleSession } from '../../src/engine/adapter-kit.js';
import { checkDefaults, hostOf, type PoolerMode, pooledCapabilities, poolerMode } from '../../src/engine/pooler.js';
import { redact, registerAdapter } from '../../src/engine/resolve.js';
import { ConnectionError, InvalidRequestError, leavesConnectionUsable } from '../../src/errors.js';
import '../kit/catalogue.js';
import { driverFailure } from '../kit/connection-errors.js';
import { type CopyIn, copyIn, nodeStreamPace } from '../kit/pg-copy.js';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  type ExtendedQuery,
  extendedQuery,
  NODE_POSTGRES_LOST,
  type PgLikeQueryConfig,
  type PgLikeResult,
  pgLikeConfig,
  pgLikeResult,
} from '../kit/pg-like.js';
import { PG } from './declaration.js';

/** The slice of `pg.PoolClient` this adapter uses. */
export interface PgClientLike {
  query(config: PgLikeQueryConfig): Promise<PgLikeResult>;
  query(submittable: ExtendedQuery): unknown;
  /** `COPY ... FROM STDIN` goes as gino-edge's copy submittable (`adapters/kit/pg-copy.ts`). */
  query(submittable: CopyIn): unknown;
  /** Text alone goes by the simple query protocol, which takes several statements (`script()`). */
  query(text: string): Promise<unknown>;
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
  /**
   * `'transaction'` behind a transaction-mode pooler (PgBouncer, Hyperdrive): no per-connection
   * session SET, session statements refused (see docs/guides/scaling-out.md). Default: on for a
   * Neon `-pooler` host and a Hyperdrive connection string (`*.hyperdrive.local`), else `'none'`.
   */
  pooler?: PoolerMode;
  /** Any other option goes to `new pg.Pool(...)`: max, idleTimeoutMillis, ssl, query_timeout, ... */
  [option: string]: unknown;
}

/** A driver error as this adapter reports it: a failed connection (pg's or its socket's words) is a ConnectionError. */
const failure = (error: unknown): unknown => driverFailure(error, NODE_POSTGRES_LOST);

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

/** Runs one query on a checked-out client: gino-edge's submittable, or `client.query(config)`. */
type ClientRunner = (client: PgClientLike, q: DriverQuery) => Promise<PgLikeResult>;

const configRunner: ClientRunner = (client, q) => client.query(pgLikeConfig(q));

/**
 * pg's own `Client` gets `ExtendedQuery`, the extended-protocol submittable neon-ws uses too
 * (node-postgres's documented `client.query(submittable)`): pg copies every query config object it
 * is given, property descriptor by property descriptor (about 3 µs a query, the largest single
 * cost of a round trip in gino-edge's profile), and a submittable skips that copy, builds rows as
 * arrays with the shared parsers, and parses every statement as one whatever the pg version. Any
 * other client (a wrapper, a double) gets a query config with `queryMode: 'extended'`.
 */
function clientRunner(mod: unknown): ClientRunner {
  type Exports = { Client?: unknown };
  const m = mod as Exports & { default?: Exports };
  const Client = (m.Client ?? m.default?.Client) as (abstract new (...args: never[]) => unknown) | undefined;
  if (typeof Client !== 'function') return configRunner;
  return (client, q) => (client instanceof Client ? extendedQuery(client, q) : client.query(pgLikeConfig(q)));
}

const ignore = (): void => undefined;

/** What to hand `release()` after a failed statement: nothing (keep the client) for a plain server error. */
function releaseReason(error: unknown): Error | true | undefined {
  if (leavesConnectionUsable(error)) return undefined;
  return error instanceof Error ? error : true;
}

/** The submittable for pg's own clients when the 'pg' package can be loaded, else `client.query(config)`. */
async function loadRunner(): Promise<ClientRunner> {
  try {
    return clientRunner(await import('pg'));
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
  readonly capabilities: Capabilities;
  private pool: PgPoolLike | undefined;
  private opening: Promise<PgPoolLike> | undefined;
  /** How statements reach a client, chosen once with the pool. */
  private run: ClientRunner = configRunner;

  constructor(
    private readonly make: () => Promise<PgPoolLike> | PgPoolLike,
    private readonly owns: boolean,
    /** `host:port`, for a connection that cannot be opened (workerd's socket error names neither). */
    private readonly address?: string,
    /** Behind a transaction-mode pooler: the server's defaults are checked (once per `key`), never SET. */
    private readonly pooled?: { key: string },
  ) {
    this.capabilities = pooled ? pooledCapabilities(PG.capabilities) : PG.capabilities;
  }

  /** Before a new connection's first statement: its session settings, or the pooled server's defaults. */
  private settle(client: PgClientLike, run: ClientRunner): Promise<void> | undefined {
    if (this.pooled) return checkDefaults(this.pooled.key, async (q) => pgLikeResult(await run(client, q)));
    return settleSession(client, (setup) => run(client, setup));
  }

  /** A failure to open a connection, naming where it tried, as Node's own ECONNREFUSED does. */
  private connectFailure(error: unknown): unknown {
    const e = failure(error);
    if (!(e instanceof ConnectionError) || !this.address || e.message.includes(this.address)) return e;
    const check = /is the database server running/.test(e.message)
      ? ''
      : ": is the database server running, and are the URL's host and port right?";
    return new ConnectionError(`could not connect to ${this.address}: ${e.message}${check}`, { cause: error });
  }

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
    const run = this.run;
    return pgLikeResult(await this.onClient((client) => run(client, q)));
  }

  /** A script through pg's simple query protocol: several statements, one implicit transaction. */
  async script(sql: string): Promise<void> {
    await this.onClient((client) => client.query(sql));
  }

  /**
   * What pool.query() does: check out, run, release; a client whose statement failed other than
   * by a plain server error is dropped. Checking out here (not pool.query()) lets a new client's
   * session settings go first. A checked-out client whose connection dies also emits 'error' (the
   * pool listens only while it is idle); unheard, that event would crash the process: the failed
   * statement reports it.
   */
  private async onClient<T>(fn: (client: PgClientLike) => Promise<T>): Promise<T> {
    const pool = this.pool ?? (await this.getPool());
    const run = this.run;
    let client: PgClientLike;
    try {
      client = await pool.connect();
    } catch (error) {
      throw this.connectFailure(error);
    }
    client.on?.('error', ignore);
    let result: T;
    try {
      const settling = this.settle(client, run);
      if (settling) await settling;
      result = await fn(client);
    } catch (error) {
      client.removeListener?.('error', ignore);
      client.release(releaseReason(error));
      throw failure(error);
    }
    client.removeListener?.('error', ignore);
    client.release();
    return result;
  }

  async connect(): Promise<Session> {
    const pool = this.pool ?? (await this.getPool());
    const run = this.run;
    let client: PgClientLike;
    try {
      client = await pool.connect();
    } catch (error) {
      throw this.connectFailure(error);
    }
    // A held client whose backend dies emits 'error' besides failing its query; unheard, that
    // event would crash the process. The failed query reports it; release() then drops the client.
    let lost: Error | undefined;
    const onError = (error: Error) => {
      lost = error;
    };
    client.on?.('error', onError);
    const settling = this.settle(client, run);
    if (settling) {
      try {
        await settling;
      } catch (error) {
        client.removeListener?.('error', onError);
        client.release(releaseReason(error));
        throw failure(error);
      }
    }
    return heldSession(
      async (q) => {
        try {
          return pgLikeResult(await run(client, q));
        } catch (error) {
          throw failure(error);
        }
      },
      (error?: unknown) => {
        client.removeListener?.('error', onError);
        const reason = error ?? lost;
        client.release(reason === undefined ? undefined : reason instanceof Error ? reason : true);
      },
      async (sql, data) => {
        try {
          return await copyIn(client, sql, data, nodeStreamPace);
        } catch (error) {
          throw failure(error);
        }
      },
    );
  }

  async close(): Promise<void> {
    const pool = this.pool ?? (this.opening ? await this.opening.catch(() => undefined) : undefined);
    if (pool && this.owns) await pool.end();
  }
}

/** Pools given without a URL or host: each checks the server's defaults on its own. */
let pools = 0;

/**
 * A pg adapter: from a URL (`pg('postgresql://...', { max: 5 })`), pool options, or `{ pool }`.
 */
export function pg(urlOrOptions: string | PgAdapterOptions, options: PgAdapterOptions = {}): Adapter {
  const opts: PgAdapterOptions =
    typeof urlOrOptions === 'string'
      ? { ...options, connectionString: pgConnectionString(urlOrOptions) }
      : urlOrOptions;
  const { pool, ownPool, pooler, ...poolConfig } = opts;
  const url = typeof urlOrOptions === 'string' ? urlOrOptions : (poolConfig.connectionString as string | undefined);
  const host = typeof poolConfig.host === 'string' ? poolConfig.host : hostOf(url);
  const pooled =
    poolerMode(host, pooler) === 'transaction'
      ? { key: url ?? (host ? JSON.stringify(poolConfig) : `pool ${++pools}`) }
      : undefined;
  if (pool) return new PgAdapter(() => pool, ownPool === true, undefined, pooled);
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
  return new PgAdapter(async () => new (await loadPool())(poolConfig), true, addressOf(poolConfig), pooled);
}

/** `host:port` of a pool's configuration, when it names one. */
function addressOf(config: PgAdapterOptions): string | undefined {
  let host = typeof config.host === 'string' ? config.host : undefined;
  let port = typeof config.port === 'number' || typeof config.port === 'string' ? String(config.port) : undefined;
  if (typeof config.connectionString === 'string') {
    try {
      const u = new URL(config.connectionString);
      host ??= decodeURIComponent(u.hostname) || undefined;
      port ??= u.port || undefined;
    } catch {
      // checkUrl has refused what cannot be parsed
    }
  }
  if (!host || host.startsWith('/')) return undefined;
  return `${host}:${port ?? '5432'}`;
}

// Binding by URL loads the driver at once, so a missing 'pg' package fails setBind(), before any statement.
registerAdapter(
  PG.name,
  async (url, options) => {
    await loadPool();
    return pg(url, options as PgAdapterOptions);
  },
  PG,
);

export default pg;
