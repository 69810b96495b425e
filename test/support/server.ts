/**
 * The database the tests use: DATABASE_URL when set, else the local server when reachable, else
 * PGlite served over the wire protocol (so even the pg adapter tests run on a bare machine).
 */
import net from 'node:net';

export const LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** True when something accepts TCP connections at host:port within `ms`. */
export function reachable(host: string, port: number, ms = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(ms, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface TestServer {
  url: string;
  kind: 'env' | 'local' | 'pglite';
  close(): Promise<void>;
}

/** PGlite behind pglite-socket on a free loopback port. */
export async function startPGliteServer(): Promise<TestServer> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const db = await PGlite.create();
  const port = await freePort();
  const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 100 });
  await server.start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    kind: 'pglite',
    close: async () => {
      await server.stop();
      await db.close();
    },
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Create the URL's database when the server does not have it (the local server's `test`). */
async function ensureDatabase(url: string): Promise<void> {
  const { default: pg } = await import('pg');
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.slice(1));
  u.pathname = '/postgres';
  const client = new pg.Client({ connectionString: u.href });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
      console.log(`[gino-edge tests] created the database ${name} on the local server`);
    }
  } finally {
    await client.end();
  }
}

/** The server for this test run. */
export async function testServer(): Promise<TestServer> {
  // GINO_TEST_SERVER=pglite forces the no-server path (as on a machine without PostgreSQL).
  const forcePGlite = process.env.GINO_TEST_SERVER === 'pglite';
  if (process.env.DATABASE_URL && !forcePGlite)
    return { url: process.env.DATABASE_URL, kind: 'env', close: async () => {} };
  if (!forcePGlite && (await reachable('127.0.0.1', 5432))) {
    await ensureDatabase(LOCAL_URL);
    return { url: LOCAL_URL, kind: 'local', close: async () => {} };
  }
  return startPGliteServer();
}

const NO_CANCEL =
  'the run has no PostgreSQL server: the adapter talks to PGlite over the wire protocol, and PGlite never interrupts a running statement (statement_timeout is not enforced)';

/** Shared-suite tests that need a real server's statement cancellation, skipped on the PGlite fallback. */
export function serverOnlySkips(kind: string, tests: readonly string[]): Record<string, string> {
  return kind === 'pglite' ? Object.fromEntries(tests.map((t) => [t, NO_CANCEL])) : {};
}

export const TIMEOUT_TESTS = [
  'timeout(ms) cancels a slow statement on the server; the engine works afterwards',
  'timeout inside a transaction: the statement alone is undone, the earlier limit restored',
  'timeout inside acquire(): same connection before and after, no limit left behind',
  'timeout(ms) applies to a cursor: iterate() is cancelled by the limit',
  'a timeout(ms) savepoint inside a transaction does not take a concurrent write with it',
  'concurrent writes, nested transactions and timeouts in one transaction: every resolved write outside a rolled-back savepoint survives',
] as const;
