/**
 * Neon WebSocket adapter (`postgresql+neon-ws://`): `@neondatabase/serverless`'s `Client`, which is
 * node-postgres over a WebSocket. One client per binding for plain statements and one per session
 * (transaction, cursor, `db.acquire`), or a Neon `Pool` when asked (`{ pool: true }` or `{ max }`).
 * Sessions, interactive transactions, savepoints and cursors all work.
 *
 * Every Neon setting given here (`webSocketConstructor`, `wsProxy`, `useSecureWebSocket`,
 * `pipelineConnect`, `pipelineTLS`, ...) is set on each client's own `neonConfig`, never on the
 * driver's global `neonConfig`, so engines with different proxies coexist in one process. Values
 * are parsed by gino-edge's shared parsers per query; the driver's global parsers are untouched.
 *
 * @example
 * import ws from 'ws';
 * import { neonWs } from 'gino-edge/adapters/neon-ws';
 * await db.setBind(neonWs(process.env.DATABASE_URL, { webSocketConstructor: ws }));
 */
import type { Adapter, Capabilities, DriverQuery, DriverResult, Session } from '../../src/engine/adapter.js';
import { heldSession, settleSession } from '../../src/engine/adapter-kit.js';
import { checkDefaults, hostOf, type PoolerMode, pooledCapabilities, poolerMode } from '../../src/engine/pooler.js';
import { redact, registerAdapter } from '../../src/engine/resolve.js';
import { runtimeImporter } from '../../src/engine/runtime.js';
import {
  ConnectionError,
  GinoError,
  InvalidRequestError,
  leavesConnectionUsable,
  pgErrorFields,
} from '../../src/errors.js';
import '../kit/catalogue.js';
import { driverFailure } from '../kit/connection-errors.js';
import { NEON_HTTP_SETTINGS, NEON_WS_SETTINGS, parseNeonUrl, withPassword } from '../kit/neon.js';
import { type CopyIn, copyIn } from '../kit/pg-copy.js';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  type ExtendedQuery,
  extendedQuery,
  NODE_POSTGRES_LOST,
  pgLikeResult,
} from '../kit/pg-like.js';
import { NEON_WS } from './declaration.js';
import { neonSocketPace, poolOf, withScramGuard } from './quirks.js';

/** The slice of the driver's `Client` this adapter uses. */
export interface NeonClientLike {
  /** The client's own settings (Neon's instance-level `neonConfig`). */
  readonly neonConfig: Record<string, unknown>;
  password?: unknown;
  connect(): Promise<unknown>;
  /** A submittable (node-postgres's `client.query(submittable)`): every statement goes as `ExtendedQuery`. */
  query(submittable: ExtendedQuery | CopyIn): unknown;
  end(): Promise<void>;
  on(event: 'error' | 'end', listener: (error?: Error) => void): unknown;
}

/** The slice of a client checked out of the driver's `Pool`. */
export interface NeonPoolClientLike {
  query(submittable: ExtendedQuery | CopyIn): unknown;
  release(error?: Error | boolean): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
}

/** The slice of the driver's `Pool` this adapter uses. */
export interface NeonPoolLike {
  /** The client class the pool instantiates (public on Neon's `Pool`). */
  Client: unknown;
  connect(): Promise<NeonPoolClientLike>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

type ClientClass = new (config: Record<string, unknown>) => NeonClientLike;
type PoolClass = new (config: Record<string, unknown>) => NeonPoolLike;

interface NeonDriver {
  Client: ClientClass;
  Pool: PoolClass;
  neonConfig: { readonly webSocketConstructor?: unknown };
}

export interface NeonWsOptions {
  /** The WebSocket class. Default: the runtime's global `WebSocket`, else the `ws` package (Node 20). */
  webSocketConstructor?: unknown;
  /** Your WebSocket proxy, without protocol: `'host:port/v1'` or `(host, port) => string`. */
  wsProxy?: string | ((host: string, port: number | string) => string);
  /** `wss:` (default) or `ws:`. */
  useSecureWebSocket?: boolean;
  /**
   * `'password'` (Neon's default) sends the password before the server asks, saving a round trip;
   * it needs cleartext password auth. gino-edge turns it off when the URL has no password.
   */
  pipelineConnect?: 'password' | false;
  pipelineTLS?: boolean;
  coalesceWrites?: boolean;
  forceDisablePgSSL?: boolean;
  /** Use Neon's `Pool` (`true`), or this existing one (ended on close only with `ownPool`). */
  pool?: boolean | NeonPoolLike;
  ownPool?: boolean;
  /** The pool's size; implies `pool: true`. */
  max?: number;
  /** Opening a connection fails after this long (default 30 s; 0: no limit). */
  connectionTimeoutMillis?: number;
  /** `'transaction'` behind a transaction-mode pooler; default: on for a Neon `-pooler` host. */
  pooler?: PoolerMode;
  /** Anything else goes to the driver's `Client`/`Pool` config: `password`, ... */
  [option: string]: unknown;
}

export { DEFAULT_CONNECT_TIMEOUT_MS };

/** Neon settings that exist only on its global `neonConfig`: ignored, like HTTP options. */
const GLOBAL_ONLY = new Set(['poolQueryViaFetch', 'fetchConnectionCache']);

/** What the driver (node-postgres over Neon's WebSocket) says when its connection fails or ends. */
const NEON_WS_LOST = new RegExp(`${NODE_POSTGRES_LOST.source}|websocket`, 'i');

/**
 * A driver error as this adapter reports it: a server error (with a SQLSTATE) as it is, a lost
 * connection (the driver's words for it, or a bare WebSocket event) as a ConnectionError.
 */
function driverError(error: unknown): unknown {
  if (error instanceof Error || pgErrorFields(error)) return driverFailure(error, NEON_WS_LOST);
  return new ConnectionError(`the WebSocket connection failed: ${describe(error)}`, { cause: error });
}

function describe(error: unknown): string {
  const e = error as { message?: unknown; error?: { message?: unknown }; type?: unknown } | null;
  if (typeof e?.message === 'string' && e.message !== '') return e.message;
  if (typeof e?.error?.message === 'string') return e.error.message;
  if (typeof e?.type === 'string') return `WebSocket ${e.type} event`;
  return String(error);
}

/**
 * Race the first statement on a new connection against what is left of its connect timeout. With
 * Neon's pipelined start-up (its default), `connect()` resolves before the server has answered the
 * log-in, and the driver's `connectionTimeoutMillis` stops there: a server that never answers would
 * hang the first statement. `ms` 0 means no limit.
 */
function withinConnectTimeout<T>(work: Promise<T>, ms: number, url: string): Promise<T> {
  if (!(ms > 0)) return work;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ConnectionError(
            `no answer to the log-in from ${redact(url)} within its connect timeout (connectionTimeoutMillis)`,
          ),
        ),
      ms,
    );
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/** Clients whose connection has ended (the driver's `end` event). */
const ended = new WeakSet<NeonClientLike>();

/** How long closing a client may take before it is given up on (its socket is gone either way). */
const END_WAIT_MS = 2000;

/**
 * End a client without ever waiting forever: the driver's `end()` on a client whose connection has
 * already ended (a terminated backend, a closed WebSocket) never settles.
 */
function endClient(client: NeonClientLike): Promise<void> {
  if (ended.has(client)) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, END_WAIT_MS);
    client
      .end()
      .catch(() => undefined)
      .then(() => {
        clearTimeout(timer);
        resolve();
      });
  });
}

async function loadDriver(): Promise<NeonDriver> {
  try {
    const mod = (await import('@neondatabase/serverless')) as unknown as Partial<NeonDriver> & {
      default?: Partial<NeonDriver>;
    };
    const driver = mod.Client ? mod : mod.default;
    if (!driver?.Client || !driver.Pool || !driver.neonConfig) throw new Error('it has no Client/Pool export');
    return driver as NeonDriver;
  } catch (error) {
    throw new InvalidRequestError(
      `the neon-ws adapter needs '@neondatabase/serverless': npm install @neondatabase/serverless (${(error as Error).message})`,
      { cause: error },
    );
  }
}

/** Whether this is Node (or a runtime that says it is), where the `ws` package may be installed. */
function onNode(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions?.node === 'string';
}

/** The `ws` package's WebSocket: for runtimes without a global one (Node 20), and preferred on Node. */
async function loadWs(): Promise<unknown> {
  // Through the Node entry's importer: bundles for Workers and browsers (which have WebSocket) carry no import of it.
  const importer = runtimeImporter();
  try {
    if (!importer) throw new Error('this build loads no module on demand');
    const mod = (await importer.module('ws')) as { WebSocket?: unknown; default?: unknown };
    return mod.WebSocket ?? mod.default;
  } catch (error) {
    throw new InvalidRequestError(
      'neon-ws: this runtime has no global WebSocket; npm install ws, or give { webSocketConstructor }',
      { cause: error },
    );
  }
}

/**
 * The driver's Client, configured per instance: the binding's Neon settings on the client's own
 * `neonConfig`, and, with no password, a password callback (the driver's documented `password`
 * option) that fails cleanly if the server asks for one: the driver would otherwise reach its
 * SCRAM code with none and reject, unhandled, with "SASL: protocol error", leaving `connect()`
 * pending forever. A failed SCRAM exchange with a password is the one case no public hook covers
 * (see `quirks.ts`).
 */
function configuredClient(driver: NeonDriver, neonConfig: Record<string, unknown>, noPassword: () => Promise<never>) {
  return class GinoNeonClient extends withScramGuard(driver.Client) {
    constructor(clientConfig: Record<string, unknown>) {
      super(clientConfig);
      Object.assign(this.neonConfig, neonConfig);
      if (this.password === null || this.password === undefined || this.password === '') this.password = noPassword;
    }
  };
}

class NeonWsAdapter implements Adapter {
  readonly name = 'neon-ws';
  readonly capabilities: Capabilities;
  private setup: Promise<{ Client: ClientClass; pool: NeonPoolLike | undefined }> | undefined;
  /** The binding's own client, for statements outside a session. */
  private shared: Promise<NeonClientLike> | undefined;
  private readonly open = new Set<NeonClientLike>();
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly clientConfig: Record<string, unknown>,
    private readonly neonConfig: Record<string, unknown>,
    private readonly poolOption: { use: boolean; existing: NeonPoolLike | undefined; owns: boolean },
    /** Behind a transaction-mode pooler: the server's defaults are checked, never SET. */
    private readonly pooled = false,
  ) {
    this.capabilities = pooled ? pooledCapabilities(NEON_WS.capabilities) : NEON_WS.capabilities;
  }

  /** Before a new connection's first statement: its session settings, or the pooled server's defaults. */
  private settle(client: NeonClientLike | NeonPoolClientLike): Promise<void> | undefined {
    if (this.pooled) return checkDefaults(this.url, async (q) => pgLikeResult(await extendedQuery(client, q)));
    return settleSession(client, (setup) => extendedQuery(client, setup));
  }

  private ready() {
    this.setup ??= (async () => {
      const driver = await loadDriver();
      const neonConfig = { ...this.neonConfig };
      if (neonConfig.webSocketConstructor === undefined && driver.neonConfig.webSocketConstructor === undefined) {
        if (typeof (globalThis as { WebSocket?: unknown }).WebSocket !== 'function') {
          neonConfig.webSocketConstructor = await loadWs();
        } else if (onNode()) {
          // Node 22+ has a global WebSocket (undici's), but its send() throws InvalidStateError out of
          // the driver's handlers when the endpoint goes away mid-connect, where no caller can catch
          // it: the `ws` package, when installed, reports that as the connection's error instead.
          neonConfig.webSocketConstructor = await loadWs().catch(() => undefined);
        }
      }
      const noPassword = () =>
        Promise.reject(
          new ConnectionError(
            `the server asks for a password and none was given: put it in the URL (${redact(this.url)} → user:password@host) or pass { password }`,
          ),
        );
      const Client = configuredClient(driver, neonConfig, noPassword);
      let pool = this.poolOption.existing;
      if (!pool && this.poolOption.use) pool = poolOf(driver.Pool, this.clientConfig, Client);
      // An idle pooled connection dropping must not crash the process; the pool replaces it.
      if (pool && this.poolOption.owns) pool.on('error', () => undefined);
      return { Client, pool };
    })().catch((error) => {
      this.setup = undefined;
      throw error;
    });
    return this.setup;
  }

  /** A connected client of our own; ended by the caller. */
  private async openClient(): Promise<NeonClientLike> {
    if (this.closed) throw new GinoError('this neon-ws adapter is closed');
    const { Client } = await this.ready();
    const client = new Client(this.clientConfig);
    // Errors on an idle client (the socket closing) arrive as events: never let one be uncaught.
    client.on('error', () => undefined);
    client.on('end', () => {
      ended.add(client);
      this.open.delete(client);
    });
    this.open.add(client);
    const started = Date.now();
    try {
      await client.connect();
    } catch (error) {
      this.open.delete(client);
      void endClient(client);
      throw this.connectError(error);
    }
    try {
      await withinConnectTimeout(Promise.resolve(this.settle(client)), this.connectTimeoutLeft(started), this.url);
    } catch (error) {
      this.open.delete(client);
      void endClient(client);
      // With Neon's pipelined start-up, connect() resolves before the server has answered the
      // log-in: a failed log-in (a broken SCRAM exchange, say) surfaces on this first statement.
      throw this.connectError(error);
    }
    return client;
  }

  /** What is left of the connect timeout since `started`; 0 when there is no limit. */
  private connectTimeoutLeft(started: number): number {
    const limit = Number(this.clientConfig.connectionTimeoutMillis);
    if (!(limit > 0)) return 0;
    return Math.max(1, limit - (Date.now() - started));
  }

  private connectError(error: unknown): unknown {
    if (error instanceof GinoError || pgErrorFields(error)) return error;
    return new ConnectionError(`could not connect to ${redact(this.url)} over WebSocket: ${describe(error)}`, {
      cause: error,
    });
  }

  private sharedClient(): Promise<NeonClientLike> {
    if (!this.shared) {
      const opening = this.openClient();
      this.shared = opening;
      opening.then(
        (client) => {
          client.on('error', () => this.dropShared(opening));
          client.on('end', () => this.dropShared(opening));
        },
        () => this.dropShared(opening),
      );
    }
    return this.shared;
  }

  /** Forget a broken shared client, so the next statement opens a fresh one. */
  private dropShared(which: Promise<NeonClientLike>): void {
    if (this.shared !== which) return;
    this.shared = undefined;
    which.then((c) => endClient(c)).catch(() => undefined);
  }

  async query(q: DriverQuery): Promise<DriverResult> {
    const { pool } = await this.ready();
    if (pool) {
      const session = await this.connect();
      let failure: unknown;
      try {
        return await session.query(q);
      } catch (error) {
        failure = leavesConnectionUsable(error) ? undefined : error;
        throw error;
      } finally {
        await session.release(failure);
      }
    }
    const opening = this.sharedClient();
    const client = await opening;
    try {
      return pgLikeResult(await extendedQuery(client, q));
    } catch (error) {
      // A terminated backend (57P01) reports a SQLSTATE too, but its connection is gone.
      if (!leavesConnectionUsable(error)) this.dropShared(opening);
      throw driverError(error);
    }
  }

  async connect(): Promise<Session> {
    const { pool } = await this.ready();
    if (pool) {
      let client: NeonPoolClientLike;
      const started = Date.now();
      try {
        client = await pool.connect();
      } catch (error) {
        throw this.connectError(error);
      }
      // The pool listens for 'error' only while a client is idle: a checked-out client whose
      // backend dies (even with no statement running) would otherwise emit it unheard, an uncaught
      // exception. The session's next statement reports the loss; release() then drops the client.
      let lost: Error | undefined;
      const onError = (error: Error) => {
        lost ??= error;
      };
      client.on('error', onError);
      const settling = this.settle(client);
      if (settling) {
        try {
          await withinConnectTimeout(settling, this.connectTimeoutLeft(started), this.url);
        } catch (error) {
          client.removeListener('error', onError);
          client.release(leavesConnectionUsable(error) ? undefined : error instanceof Error ? error : true);
          throw error instanceof ConnectionError ? error : driverError(error);
        }
      }
      return sessionOver(client, async (error) => {
        client.removeListener('error', onError);
        const reason = error ?? lost;
        client.release(reason === undefined ? undefined : reason instanceof Error ? reason : true);
      });
    }
    const client = await this.openClient();
    return sessionOver(client, async () => {
      this.open.delete(client);
      await endClient(client);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const setup = this.setup ? await this.setup.catch(() => undefined) : undefined;
    const clients = [...this.open];
    this.open.clear();
    this.shared = undefined;
    await Promise.all(clients.map((c) => endClient(c)));
    if (setup?.pool && this.poolOption.owns) await setup.pool.end().catch(() => undefined);
  }
}

/** A session on one client, its driver errors mapped (WebSocket events become ConnectionError). */
function sessionOver(
  client: NeonClientLike | NeonPoolClientLike,
  release: (error?: unknown) => Promise<void>,
): Session {
  return heldSession(
    async (q) => {
      try {
        return pgLikeResult(await extendedQuery(client, q));
      } catch (error) {
        throw driverError(error);
      }
    },
    release,
    async (sql, data) => {
      try {
        return await copyIn(client, sql, data, neonSocketPace);
      } catch (error) {
        throw driverError(error);
      }
    },
  );
}

/**
 * A neon-ws adapter: from a URL (`neonWs('postgresql+neon-ws://user:pw@host/db', { wsProxy })`),
 * or around an existing Neon `Pool` (`neonWs(url, { pool })`).
 */
export function neonWs(url: string, options: NeonWsOptions = {}): Adapter {
  const { connectionString, hasPassword } = parseNeonUrl(withPassword(url, options.password), 'neon-ws');
  const { pool, ownPool, pooler, ...rest } = options;
  const pooled = poolerMode(hostOf(connectionString), pooler) === 'transaction';
  const neonConfig: Record<string, unknown> = {};
  const clientConfig: Record<string, unknown> = { connectionString };
  const given: string[] = [];
  for (const [key, value] of Object.entries(rest)) {
    // HTTP options (e.g. from a spread `proxy.neonOptions`) are not this adapter's.
    if (NEON_HTTP_SETTINGS.has(key) || GLOBAL_ONLY.has(key) || value === undefined) continue;
    if (NEON_WS_SETTINGS.has(key)) {
      neonConfig[key] = value;
      given.push(key);
    } else clientConfig[key] = value;
  }
  // A proxy or server that accepts the connection but never answers must not hang every query.
  clientConfig.connectionTimeoutMillis ??= DEFAULT_CONNECT_TIMEOUT_MS;
  // Pipelining sends the password unasked: without one it can only fail.
  if (!hasPassword && clientConfig.password === undefined && neonConfig.pipelineConnect === undefined) {
    neonConfig.pipelineConnect = false;
  }
  const existing = typeof pool === 'object' && pool !== null ? pool : undefined;
  if (existing && given.length) {
    throw new InvalidRequestError(
      `neonWs(): ${given.join(', ')} configure the clients gino-edge makes; a { pool } of your own makes its own clients, so set them where you built that pool`,
    );
  }
  const use = existing !== undefined || pool === true || clientConfig.max !== undefined;
  const owns = existing ? ownPool === true : use;
  return new NeonWsAdapter(url, clientConfig, neonConfig, { use, existing, owns }, pooled);
}

// Binding by URL loads the driver at once, so a missing package fails setBind(), before any statement.
registerAdapter(
  NEON_WS.name,
  async (url, options) => {
    await loadDriver();
    return neonWs(url, options as NeonWsOptions);
  },
  NEON_WS,
);

export default neonWs;
