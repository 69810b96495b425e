/**
 * The local Neon-compatible proxy: one loopback HTTP server answering Neon's two
 * protocols in front of any PostgreSQL (or PGlite served over pglite-socket):
 *
 * - WebSocket at `/v1` (and `/v2`, Neon's default path): the start-up answered as Neon's proxy
 *   answers it (a cleartext password, pipelined by Neon's driver by default), then binary frames
 *   piped to the target's TCP port (see ws-session.ts). The `?address=` the driver appends is
 *   ignored: the proxy only ever connects to its own target, so it is no open relay.
 * - `POST /sql`: Neon's SQL-over-HTTP protocol, with Neon's limits, errors, session reset and
 *   cancellation (see sql-over-http.ts); CORS preflights answered with Neon's fixed header list.
 *
 * A development tool: it listens on 127.0.0.1 unless told otherwise, refuses requests whose Host is
 * not a loopback name while it listens on loopback (DNS rebinding), and refuses browser origins
 * unless they are listed in `allowOrigins` (a web page must not reach a trust-auth database).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIPv6, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { JwtVerifier, type NeonProxyJwtOptions } from './jwt.js';
import {
  handleSql,
  NEON_LIMITS,
  type PgPoolClass,
  type SqlOverHttpLimits,
  type TargetAddress,
  TargetPools,
} from './sql-over-http.js';
import { serveWebSocket, type WsSocket } from './ws-session.js';

export type { NeonProxyJwtOptions, SqlOverHttpLimits };

/** The slice of a PGlite instance the proxy needs to serve one over pglite-socket. */
export interface PGliteInstance {
  readonly waitReady: Promise<void>;
  query(sql: string): Promise<unknown>;
}

export interface NeonProxyOptions {
  /** A PostgreSQL URL (`postgres://user@127.0.0.1:5432/db`), or a PGlite instance. */
  target: string | PGliteInstance;
  /** The port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** The address to listen on. Default `127.0.0.1`; anything else exposes the target's database. */
  host?: string;
  /**
   * Browser origins allowed to call the proxy (CORS for `POST /sql`, and the WebSocket `Origin`
   * check), e.g. `['http://localhost:5173']`, or `'*'`. Default none: only non-browser clients.
   */
  allowOrigins?: readonly string[] | '*';
  /** Where to write the start-up line and warnings; default nowhere (the CLI logs to stdout). */
  log?: (line: string) => void;
  /**
   * `POST /sql` size limits, Neon's by default (10 MiB each way): raise them for local
   * experiments, knowing Neon will refuse what passes here.
   */
  limits?: Partial<SqlOverHttpLimits>;
  /**
   * How long a connection to the target may sit idle between HTTP requests before it is closed:
   * 200 ms by default, as Neon's HTTP endpoint holds few (many roles must not pin the server's
   * slots). Longer for a test that needs requests to meet the same pooled connection.
   */
  poolIdleMs?: number;
  /** Connections to the target per role and database (10 by default). */
  poolMax?: number;
  /**
   * Verify `Authorization: Bearer <JWT>` on `POST /sql` (neon-http's `authToken`) with this key,
   * as Neon's `apiauth.` endpoint verifies them with an auth provider's keys. Without it, a
   * request with a token is refused, as Neon's password endpoint refuses it.
   */
  jwt?: NeonProxyJwtOptions;
}

/** Counters, for tests that assert round trips. */
export interface NeonProxyStats {
  /** `POST /sql` requests answered (any status). */
  httpRequests: number;
  /** WebSocket connections accepted. */
  wsConnections: number;
  /** WebSocket messages received from clients. */
  wsMessagesIn: number;
  /** WebSocket messages sent to clients. */
  wsMessagesOut: number;
}

/**
 * What to spread into `setBind`/`neonWs`/`neonHttp` options to go through the proxy: where it
 * listens, and plain `ws:` (it has no TLS certificate). Everything else stays Neon's default,
 * pipelined start-up included.
 */
export type NeonProxyClientOptions = {
  fetchEndpoint: string;
  wsProxy: string;
  useSecureWebSocket: false;
  /**
   * The password for URLs that have none (a URL's own wins). Neon, and so the proxy, refuses a
   * log-in without a password; the target then checks it, and a trust-auth server takes any, so
   * `postgresql+neon-http://postgres@127.0.0.1/test` works locally as it would not on Neon.
   */
  password: string;
  /** The `ws` package's WebSocket where the runtime has no global one (Node 20). */
  webSocketConstructor?: unknown;
};

export interface NeonProxy {
  /** `http://127.0.0.1:<port>/sql` */
  readonly httpEndpoint: string;
  /** `127.0.0.1:<port>/v1` (no protocol, as Neon's `wsProxy` option wants it) */
  readonly wsProxy: string;
  readonly neonOptions: NeonProxyClientOptions;
  readonly port: number;
  readonly host: string;
  /** A snapshot of the counters. */
  readonly stats: NeonProxyStats;
  /** Stop listening, drop every connection, end the pools (and the pglite-socket server, if any). */
  close(): Promise<void>;
}

interface WsServer {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, cb: (ws: WsSocket) => void): void;
  close(): void;
}
interface WsModule {
  WebSocketServer: new (options: { noServer: true; maxPayload?: number }) => WsServer;
  WebSocket: unknown;
}

/** The request headers Neon's `/sql` preflight allows: no other reaches it from a browser. */
export const NEON_CORS_ALLOW_HEADERS =
  'Authorization, Neon-Connection-String, Neon-Raw-Text-Output, Neon-Array-Mode, Neon-Pool-Opt-In, Neon-Batch-Read-Only, Neon-Batch-Isolation-Level';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

function isLoopback(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host) || host.endsWith('.localhost');
}

async function loadModule<T>(name: string, why: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    throw new Error(`the Neon proxy needs the '${name}' package ${why}: npm install -D ${name}`, { cause: error });
  }
}

async function loadPool(): Promise<PgPoolClass> {
  const mod = await loadModule<{ Pool?: PgPoolClass; default?: { Pool?: PgPoolClass } }>('pg', 'for POST /sql');
  const Pool = mod.Pool ?? mod.default?.Pool;
  if (!Pool) throw new Error("the 'pg' package has no Pool export");
  return Pool;
}

interface ServedTarget {
  address: TargetAddress;
  stop(): Promise<void>;
}

function parseTarget(url: string): TargetAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`target '${url}' is not a postgres:// URL`);
  }
  if (!/^postgres(ql)?:$/.test(parsed.protocol) || parsed.hostname === '') {
    throw new Error(`target must be a postgres://user@host:port/db URL (TCP), or a PGlite instance; got '${url}'`);
  }
  const text = (s: string) => (s === '' ? undefined : decodeURIComponent(s));
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? 5432 : Number(parsed.port),
    user: text(parsed.username),
    password: text(parsed.password),
    database: text(parsed.pathname.slice(1)),
  };
}

/** A PGlite instance served over the wire protocol on a free loopback port. */
async function servePGlite(db: PGliteInstance): Promise<ServedTarget> {
  const mod = await loadModule<{
    PGLiteSocketServer: new (options: {
      db: unknown;
      port: number;
      host: string;
      maxConnections: number;
    }) => { start(): Promise<void>; stop(): Promise<void>; getServerConn(): string };
  }>('@electric-sql/pglite-socket', 'to serve a PGlite target');
  await db.waitReady;
  const server = new mod.PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: 100 });
  await server.start();
  const port = Number(server.getServerConn().split(':').pop());
  return {
    address: { host: '127.0.0.1', port, user: 'postgres', password: undefined, database: 'postgres' },
    stop: () => server.stop(),
  };
}

function hostOf(req: IncomingMessage): string {
  const raw = req.headers.host ?? '';
  const m = /^(\[[^\]]*\]|[^:]*)(?::\d+)?$/.exec(raw);
  return (m?.[1] ?? raw).toLowerCase();
}

function urlHost(host: string): string {
  const h = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
  return isIPv6(h) ? `[${h}]` : h;
}

/** The password `neonOptions` give URLs without one (see `NeonProxyClientOptions.password`). */
export const DEV_PASSWORD = 'gino-edge-dev';

/**
 * Start the proxy. Node only.
 *
 * @example
 * const proxy = await startNeonProxy({ target: 'postgres://postgres@127.0.0.1:5432/test' });
 * await db.setBind('postgresql+neon-http://postgres@127.0.0.1/test', proxy.neonOptions);
 * await proxy.close();
 */
export async function startNeonProxy(options: NeonProxyOptions): Promise<NeonProxy> {
  const host = options.host ?? '127.0.0.1';
  const loopbackOnly = isLoopback(host);
  const allow = options.allowOrigins ?? [];
  const log = options.log ?? (() => undefined);
  const ws = await loadModule<WsModule>('ws', 'for WebSocket connections');
  const Pool = await loadPool();
  const served: ServedTarget =
    typeof options.target === 'string'
      ? { address: parseTarget(options.target), stop: async () => {} }
      : await servePGlite(options.target);
  const target = served.address;
  const pools = new TargetPools(Pool, target, options.poolIdleMs, options.poolMax);
  const limits: SqlOverHttpLimits = { ...NEON_LIMITS, ...options.limits };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new Error(`limits.${name} takes a positive whole number of bytes, got ${value}`);
    }
  }
  const jwt = options.jwt ? new JwtVerifier(options.jwt) : undefined;
  const counters: NeonProxyStats = { httpRequests: 0, wsConnections: 0, wsMessagesIn: 0, wsMessagesOut: 0 };
  const originAllowed = (origin: string | undefined) =>
    origin === undefined || allow === '*' || (allow as readonly string[]).includes(origin);
  const refusal = (req: IncomingMessage): string | undefined => {
    if (loopbackOnly && !isLoopback(hostOf(req))) {
      return `Host '${req.headers.host}' is not a loopback name; this proxy only answers loopback requests`;
    }
    const origin = req.headers.origin;
    if (!originAllowed(origin)) {
      return `origin '${origin}' is not allowed; start the proxy with allowOrigins: ['${origin}'] (--allow-origin ${origin})`;
    }
    return undefined;
  };

  const wss = new ws.WebSocketServer({ noServer: true, maxPayload: 256 * 1024 * 1024 });
  const sockets = new Set<Socket>();
  const clients = new Set<WsSocket>();

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    const refused = refusal(req);
    if (refused) {
      res.writeHead(403, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: refused }));
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined) {
      res.setHeader('Access-Control-Allow-Origin', allow === '*' ? '*' : origin);
      res.setHeader('Vary', 'Origin');
    }
    if (path === '/sql' && req.method === 'OPTIONS') {
      // Neon's preflight answer, fixed: a header outside the list fails in the browser.
      res.writeHead(200, {
        Allow: 'OPTIONS, POST',
        'Access-Control-Allow-Headers': NEON_CORS_ALLOW_HEADERS,
        'Access-Control-Max-Age': '86400',
      });
      res.end();
      return;
    }
    if (path !== '/sql' || req.method !== 'POST') {
      req.resume();
      res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify('query is not supported'));
      return;
    }
    counters.httpRequests += 1;
    handleSql(req, res, { pools, limits, jwt }).catch((error: Error) => {
      if (!res.headersSent) res.writeHead(500).end(JSON.stringify({ message: error.message }));
      else res.destroy();
    });
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const path = (req.url ?? '/').split('?')[0];
    const refused = refusal(req) ?? (path === '/v1' || path === '/v2' ? undefined : `no WebSocket endpoint at ${path}`);
    if (refused) {
      socket.end(`HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${refused}`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (client) => pipe(client));
  };

  const pipe = (client: WsSocket) => {
    counters.wsConnections += 1;
    clients.add(client);
    client.on('close', () => clients.delete(client));
    serveWebSocket(client, { target, sockets, counters, log });
  };

  const server: Server = createServer(onRequest);
  server.on('upgrade', onUpgrade);
  server.on('clientError', (_error, socket) => socket.destroy());
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await pools.close();
    await served.stop();
    throw error;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const base = `${urlHost(host)}:${port}`;
  const neonOptions: NeonProxyClientOptions = {
    fetchEndpoint: `http://${base}/sql`,
    wsProxy: `${base}/v1`,
    useSecureWebSocket: false,
    password: DEV_PASSWORD,
    ...(typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'function'
      ? {}
      : { webSocketConstructor: ws.WebSocket }),
  };
  log(
    `gino-edge neon proxy on ${base} (HTTP POST http://${base}/sql, WebSocket ws://${base}/v1) → ${target.host}:${target.port}` +
      (loopbackOnly ? '; loopback only, a development tool' : ''),
  );
  if (!loopbackOnly) {
    log(`warning: listening on ${host}, not loopback: anyone who can reach this port can use the target database`);
  }

  let closing: Promise<void> | undefined;
  return {
    httpEndpoint: neonOptions.fetchEndpoint,
    wsProxy: neonOptions.wsProxy,
    neonOptions,
    port,
    host,
    get stats() {
      return { ...counters };
    },
    close() {
      closing ??= (async () => {
        for (const c of clients) c.terminate();
        for (const s of sockets) s.destroy();
        wss.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await pools.close();
        await served.stop();
      })();
      return closing;
    },
  };
}
