/**
 * Credentials never reach the logger or an error (issue 7, item 5): with a password in the URL, on
 * every adapter, connection failures of every kind (nothing listening, a server asking for SCRAM
 * and failing it, a proxy whose target is down, malformed URLs) and ordinary statements and server
 * errors are made; the password appears in no logged event and in no error — its message, its
 * stack, or anything `util.inspect` shows of it and of its causes. The proxy's own log line does not
 * carry its target's password either.
 */
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { type NeonProxy, startNeonProxy } from '../../src/dev/index.js';
import { ConnectionError, DatabaseError, Gino, GinoError, type QueryEvent } from '../../src/index.js';
import { startScramServer } from '../support/scram-server.js';
import { freePort } from '../support/server.js';

const PASSWORD = 'Sup3r-S3cret-pw';
const serverUrl = inject('databaseUrl');
const events: QueryEvent[] = [];
const errors: unknown[] = [];

/** The URL's user, with the test password, at `host` (a `host:port`), for database `db`. */
function withPassword(scheme: string, host: string, database = new URL(serverUrl).pathname.slice(1)): string {
  const user = new URL(serverUrl).username || 'postgres';
  return `${scheme}://${user}:${PASSWORD}@${host}/${database}`;
}

/** Everything an error shows: message, stack, and what util.inspect prints of it and its causes. */
function everything(error: unknown): string {
  const e = error as Error;
  return [String(e), e?.message, e?.stack, inspect(e, { depth: 10, showHidden: false })].join('\n');
}

/** Run `fn`, keeping its error (if any) for the sweep; returns the error. */
async function attempt(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
    return undefined;
  } catch (error) {
    errors.push(error);
    return error;
  }
}

async function bound(url: string, options: Record<string, unknown>, fn: (db: Gino) => Promise<unknown>) {
  const db = new Gino({ logger: (e) => events.push(e) });
  return attempt(async () => {
    try {
      await db.setBind(url, options);
      await fn(db);
    } finally {
      if (db.isBound) await db.popBind().close();
    }
  });
}

let proxy: NeonProxy;
let deadProxy: NeonProxy;
const proxyLog: string[] = [];

beforeAll(async () => {
  const u = new URL(serverUrl);
  proxy = await startNeonProxy({ target: serverUrl, log: (line) => proxyLog.push(line) });
  // A proxy whose target has nothing listening, and whose target URL carries a password.
  deadProxy = await startNeonProxy({
    target: `postgres://${u.username}:${PASSWORD}@127.0.0.1:${await freePort()}/db`,
    log: (line) => proxyLog.push(line),
  });
});

afterAll(async () => {
  await proxy.close();
  await deadProxy.close();
});

describe('no password in the logger or in errors', () => {
  test('pg: nothing listening, a failed SCRAM log-in, a server error, ordinary statements', async () => {
    const nobody = await freePort();
    const refused = await bound(withPassword('postgresql', `127.0.0.1:${nobody}`), {}, (db) => db.scalar('SELECT 1'));
    expect(refused).toBeInstanceOf(ConnectionError);

    const scram = await startScramServer();
    try {
      const url = scram.url.replace('scram@', `scram:${PASSWORD}@`);
      const failed = await bound(url, {}, (db) => db.scalar('SELECT 1'));
      expect(failed).toBeInstanceOf(GinoError);
    } finally {
      await scram.close();
    }

    const host = new URL(serverUrl).host;
    const serverError = await bound(withPassword('postgresql', host), {}, async (db) => {
      expect(await db.scalar('SELECT $1::text', ['a parameter'])).toBe('a parameter');
      await db.all('SELECT * FROM no_such_table_here');
    });
    expect(serverError).toBeInstanceOf(DatabaseError);
  });

  test('neon-ws: a proxy with nothing behind it, nothing listening, a failed SCRAM log-in', async () => {
    const u = new URL(serverUrl);
    const deadTarget = await bound(
      withPassword('postgresql+neon-ws', '127.0.0.1'),
      { ...deadProxy.neonOptions, connectionTimeoutMillis: 3000 },
      (db) => db.scalar('SELECT 1'),
    );
    expect(deadTarget).toBeInstanceOf(ConnectionError);
    const nobody = await freePort();
    const noProxy = await bound(
      withPassword('postgresql+neon-ws', '127.0.0.1'),
      { ...proxy.neonOptions, wsProxy: `127.0.0.1:${nobody}/v1` },
      (db) => db.scalar('SELECT 1'),
    );
    expect(noProxy).toBeInstanceOf(ConnectionError);
    const scram = await startScramServer();
    const relay = await startNeonProxy({ target: scram.url });
    try {
      const failed = await bound(withPassword('postgresql+neon-ws', '127.0.0.1', 'db'), relay.neonOptions, (db) =>
        db.scalar('SELECT 1'),
      );
      expect(failed).toBeInstanceOf(ConnectionError);
    } finally {
      await relay.close();
      await scram.close();
    }
    const works = await bound(withPassword('postgresql+neon-ws', u.host), proxy.neonOptions, async (db) => {
      expect(await db.scalar('SELECT $1::int', [7])).toBe(7);
      await db.all('SELECT 1/0');
    });
    expect(works).toBeInstanceOf(DatabaseError);
  });

  test('neon-http: an endpoint with nothing listening, a proxy whose target is down, a server error', async () => {
    const nobody = await freePort();
    const unreachable = await bound(
      withPassword('postgresql+neon-http', '127.0.0.1'),
      { fetchEndpoint: `http://127.0.0.1:${nobody}/sql` },
      (db) => db.scalar('SELECT 1'),
    );
    expect(unreachable).toBeInstanceOf(ConnectionError);
    const deadTarget = await bound(withPassword('postgresql+neon-http', '127.0.0.1'), deadProxy.neonOptions, (db) =>
      db.batch(['SELECT 1', 'SELECT 2']),
    );
    expect(deadTarget).toBeInstanceOf(ConnectionError);
    const serverError = await bound(
      withPassword('postgresql+neon-http', '127.0.0.1'),
      proxy.neonOptions,
      async (db) => {
        expect(await db.scalar('SELECT $1::int', [8])).toBe(8);
        await db.all('SELECT * FROM no_such_table_here');
      },
    );
    expect(serverError).toBeInstanceOf(DatabaseError);
  });

  test('malformed URLs and unknown schemes', async () => {
    for (const url of [
      `postgresql://me:${PASSWORD}@host:port/db`,
      `postgresql://me:${PASSWORD}/with-slash@host/db`,
      `postgresql://me:${PASSWORD}@with-at@host/db`,
      `postgresql+neon-ws://me:${PASSWORD}@host:port/db`,
      `postgresql+neon-http://me:${PASSWORD}@host`,
      `mysql://me:${PASSWORD}@host/db`,
      `postgresql//me:${PASSWORD}@host/db`,
      PASSWORD,
      `postgresql://me@host/db?password=${PASSWORD}&sslmode=disable`,
    ]) {
      const error = await bound(url, { connectionTimeoutMillis: 2000 }, (db) => db.scalar('SELECT 1'));
      expect(error, url).toBeInstanceOf(GinoError);
    }
  });

  test('the sweep: every error and every logged event is free of the password', () => {
    expect(errors.length).toBeGreaterThanOrEqual(18);
    expect(events.length).toBeGreaterThan(0);
    const leaks = errors.map(everything).filter((text) => text.includes(PASSWORD) || text.includes('S3cret'));
    expect(leaks).toEqual([]);
    const logged = JSON.stringify(events);
    expect(logged).not.toContain(PASSWORD);
    expect(logged).not.toMatch(/postgres(ql)?(\+[a-z-]+)?:\/\//);
    // The logger sees SQL and parameters: the parameter is there, the URL is not.
    expect(logged).toContain('a parameter');
    expect(proxyLog.join('\n')).not.toContain(PASSWORD);
    console.log(`[security] ${errors.length} errors and ${events.length} logged events checked: no password in any`);
  });
});
