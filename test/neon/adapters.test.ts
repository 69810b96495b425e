/**
 * What only the Neon adapters have: per-instance options (two engines, two proxies, at once), the
 * round trips each model operation costs, failures that must become gino-edge errors (never an
 * uncaught exception), the neon-ws pool, and the neon-http request format.
 */
import { PGlite } from '@electric-sql/pglite';
import { neonConfig } from '@neondatabase/serverless';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { type FetchLike, neonHttp } from '../../adapters/neon-http/index.js';
import { neonWs } from '../../adapters/neon-ws/index.js';
import { type NeonProxy, startNeonProxy } from '../../src/dev/index.js';
import { SESSION_PROBE, SESSION_SETUP_LOCAL } from '../../src/engine/adapter-kit.js';
import {
  ConnectionError,
  DatabaseError,
  Gino,
  InvalidRequestError,
  QueryTimeoutError,
  UnsupportedError,
} from '../../src/index.js';
import { signJwt } from '../support/jwt.js';
import { NEON_TEST_PASSWORD, neonUrl } from '../support/neon.js';
import { startScramServer } from '../support/scram-server.js';
import { freePort } from '../support/server.js';
import { startWsRelay } from '../support/ws-relay.js';

type Kind = 'neon-ws' | 'neon-http';
const KINDS: Kind[] = ['neon-ws', 'neon-http'];
const databaseUrl = inject('databaseUrl');

/** Neon's global settings as the driver ships them: nothing here may change them. */
const pristine = { ...neonConfig.opts };

function defineUser(db: Gino) {
  return class NeonUser extends db.Model({
    __tablename__: 'neon_users',
    id: db.Column(db.Integer(), { primaryKey: true }),
    nickname: db.Column(db.Unicode(), { default: 'noname' }),
  }) {};
}

let proxy: NeonProxy;
beforeAll(async () => {
  proxy = await startNeonProxy({ target: databaseUrl });
});
afterAll(async () => {
  await proxy.close();
  expect(neonConfig.opts).toEqual(pristine);
});

describe('two engines, two proxies, one process', () => {
  let pglite: PGlite;
  let second: NeonProxy;
  beforeAll(async () => {
    pglite = await PGlite.create();
    await pglite.exec('CREATE TABLE only_in_pglite (id int)');
    second = await startNeonProxy({ target: pglite });
  }, 120_000);
  afterAll(async () => {
    await second.close();
    await pglite.close();
  });

  for (const kind of KINDS) {
    test(`${kind}: interleaved statements each reach their own proxy and database`, async () => {
      const a = new Gino();
      const b = new Gino();
      const engineA = await a.setBind(neonUrl(kind), proxy.neonOptions);
      const engineB = await b.setBind(
        `postgresql+${kind}://postgres:${NEON_TEST_PASSWORD}@localhost/postgres`,
        second.neonOptions,
      );
      try {
        const before = [proxy.stats, second.stats];
        const probe = "SELECT to_regclass('only_in_pglite')::text AS t, $1::int AS i";
        const answers = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            (i % 2 === 0 ? engineA : engineB).first<{ t: string | null; i: number }>(probe, [i]),
          ),
        );
        answers.forEach((row, i) => {
          expect(row).toEqual({ t: i % 2 === 0 ? null : 'only_in_pglite', i });
        });
        if (kind === 'neon-http') {
          expect(proxy.stats.httpRequests - (before[0]?.httpRequests ?? 0)).toBe(6);
          expect(second.stats.httpRequests - (before[1]?.httpRequests ?? 0)).toBe(6);
        } else {
          expect(proxy.stats.wsConnections - (before[0]?.wsConnections ?? 0)).toBe(1);
          expect(second.stats.wsConnections - (before[1]?.wsConnections ?? 0)).toBe(1);
          expect(proxy.stats.httpRequests).toBe(before[0]?.httpRequests);
        }
        // Transactions (neon-ws) and batches interleave too.
        const [ta, tb] = await Promise.all([
          a.batch(["SELECT to_regclass('only_in_pglite')::text AS t"]),
          b.batch(["SELECT to_regclass('only_in_pglite')::text AS t"]),
        ]);
        expect([ta, tb]).toEqual([[[{ t: null }]], [[{ t: 'only_in_pglite' }]]]);
        expect(neonConfig.opts).toEqual(pristine);
      } finally {
        await a.popBind().close();
        await b.popBind().close();
      }
    });
  }
});

describe('round trips per model operation', () => {
  const measured: Record<string, Record<string, string>> = {};
  afterAll(() => {
    console.log('[round trips]', JSON.stringify(measured, null, 1));
  });

  for (const kind of KINDS) {
    test(`${kind}: create, get, update().apply(), delete, class-level update, db.batch`, async () => {
      const db = new Gino();
      const User = defineUser(db);
      await db.setBind(neonUrl(kind), proxy.neonOptions);
      try {
        await db.gino.dropAll();
        await db.gino.createAll();
        await db.scalar('SELECT 1');
        const costs: Record<string, { http: number; wsIn: number; wsOut: number }> = {};
        const measure = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
          const before = proxy.stats;
          const out = await fn();
          const after = proxy.stats;
          costs[name] = {
            http: after.httpRequests - before.httpRequests,
            wsIn: after.wsMessagesIn - before.wsMessagesIn,
            wsOut: after.wsMessagesOut - before.wsMessagesOut,
          };
          return out;
        };
        const user = await measure('create', () => User.create({ nickname: 'rt' }));
        expect(await measure('get', () => User.get(user.id))).toMatchObject({ nickname: 'rt' });
        await measure('update().apply()', () => user.update({ nickname: 'rt2' }).apply());
        await measure('class-level update', () =>
          User.update.values({ nickname: 'rt3' }).where(User.id.eq(user.id)).gino.status(),
        );
        expect(await measure('delete', () => user.delete())).toBe('DELETE 1');
        const [inserted, all, removed] = await measure('db.batch of 3', () =>
          db.batch([User.insert().values({ nickname: 'b' }).returning(), User.query, User.delete]),
        );
        expect([inserted?.length, all?.length, removed?.length]).toEqual([1, 1, 0]);
        measured[kind] = Object.fromEntries(
          Object.entries(costs).map(([k, v]) => [
            k,
            kind === 'neon-http'
              ? `${v.http} HTTP request(s)`
              : `${v.wsIn} WebSocket message(s) sent, ${v.wsOut} received`,
          ]),
        );
        for (const [name, cost] of Object.entries(costs)) {
          if (kind === 'neon-http') {
            expect({ name, ...cost }).toEqual({ name, http: 1, wsIn: 0, wsOut: 0 });
          } else {
            expect({ name, http: cost.http }).toEqual({ name, http: 0 });
            // One message per statement on the binding's open connection; a batch is a
            // transaction on a fresh connection: start-up, password and the session's output
            // settings in one message (Neon's pipelined start-up), BEGIN, 3 statements, COMMIT,
            // Terminate.
            expect({ name, wsIn: cost.wsIn }).toEqual({ name, wsIn: name === 'db.batch of 3' ? 7 : 1 });
          }
        }
        await db.gino.dropAll();
      } finally {
        await db.popBind().close();
      }
    });
  }

  test('neon-http: what needs a session fails before any request', async () => {
    const db = new Gino();
    const User = defineUser(db);
    await db.setBind(neonUrl('neon-http'), proxy.neonOptions);
    try {
      const before = proxy.stats.httpRequests;
      const attempts: (() => Promise<unknown>)[] = [
        () => db.transaction(async () => undefined),
        () => db.acquire(async () => undefined),
        async () => {
          for await (const _ of User.query.gino.iterate()) break;
        },
      ];
      for (const attempt of attempts) {
        const error = await attempt().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(UnsupportedError);
        expect((error as Error).message).toMatch(
          /neon-http adapter cannot .* bind a session adapter \(pg, pglite, neon-ws\)/,
        );
      }
      expect(proxy.stats.httpRequests).toBe(before);
    } finally {
      await db.popBind().close();
    }
  });
});

describe('failures become gino-edge errors', () => {
  test('URLs are checked before any connection', () => {
    expect(() => neonWs('postgresql+neon-ws://nobody-here/db')).toThrow(ConnectionError);
    expect(() => neonWs('postgresql+neon-ws://')).toThrow(ConnectionError);
    expect(() => neonHttp('postgresql+neon-http://user@host')).toThrow(/needs a user, a host and a database/);
    expect(() => neonHttp('postgresql+neon-http://user:secret@host/db', { fetchEndPoint: 'x' })).toThrow(
      InvalidRequestError,
    );
    expect(() => neonHttp('postgresql+neon-http://user:secret@/db')).toThrow(ConnectionError);
    expect(() => neonHttp('postgresql+neon-http://user:secret@/db')).toThrow(/user:\*\*\*@/);
  });

  test('neon-ws: a server asking for a password the URL lacks gives a ConnectionError, not a crash', async () => {
    const scram = await startScramServer();
    // A bare relay, so that the server's own SCRAM log-in reaches the driver (the dev proxy, like
    // Neon's, logs in to the server itself).
    const relay = await startWsRelay({ host: '127.0.0.1', port: scram.port });
    // Without the dev password neonOptions give URLs that have none: this URL must reach the server bare.
    const { password: _devPassword, ...bare } = proxy.neonOptions;
    const relayOptions = { ...bare, wsProxy: relay.wsProxy };
    const db = new Gino();
    try {
      await db.setBind(neonUrl('neon-ws', scram.url).replace(`:${NEON_TEST_PASSWORD}@`, '@'), relayOptions);
      const error = await db.scalar('SELECT 1').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as Error).message).toMatch(/asks for a password and none was given/);
      expect((error as Error).message).not.toContain('secret');
      await db.popBind().close();

      // With a password, a broken SCRAM exchange is a ConnectionError too (no unhandled rejection).
      await db.setBind(neonUrl('neon-ws', scram.url.replace('scram@', 'scram:secret@')), relayOptions);
      const broken = await db.scalar('SELECT 1').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(broken).toBeInstanceOf(ConnectionError);
      expect((broken as Error).message).toMatch(/SASL|nonce/);
      expect(scram.logins).toBe(2);
    } finally {
      if (db.isBound) await db.popBind().close();
      await relay.close();
      await scram.close();
    }
  });

  test('unreachable proxies and endpoints give ConnectionError', async () => {
    const port = await freePort();
    const ws = new Gino();
    await ws.setBind(neonUrl('neon-ws'), { ...proxy.neonOptions, wsProxy: `127.0.0.1:${port}/v1` });
    await expect(ws.scalar('SELECT 1')).rejects.toBeInstanceOf(ConnectionError);
    await expect(ws.transaction(async () => undefined)).rejects.toBeInstanceOf(ConnectionError);
    await ws.popBind().close();

    const http = new Gino();
    await http.setBind(neonUrl('neon-http'), { fetchEndpoint: `http://127.0.0.1:${port}/sql` });
    await expect(http.scalar('SELECT 1')).rejects.toBeInstanceOf(ConnectionError);
    await expect(http.batch(['SELECT 1'])).rejects.toBeInstanceOf(ConnectionError);
    await http.popBind().close();

    const wrongPath = new Gino();
    await wrongPath.setBind(neonUrl('neon-http'), { fetchEndpoint: proxy.httpEndpoint.replace('/sql', '/nope') });
    await expect(wrongPath.scalar('SELECT 1')).rejects.toThrow(/refused the request: query is not supported/);
    await wrongPath.popBind().close();
  });

  test('neon-ws: a dropped connection is replaced on the next statement', async (t) => {
    if (inject('databaseKind') === 'pglite') t.skip('PGlite has one backend: pg_terminate_backend cannot target it');
    const db = new Gino();
    const other = new Gino();
    await db.setBind(neonUrl('neon-ws'), proxy.neonOptions);
    await other.setBind(databaseUrl);
    try {
      const pid = await db.scalar<number>('SELECT pg_backend_pid()');
      await other.scalar('SELECT pg_terminate_backend($1)', [pid]);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const next = await db.scalar<number>('SELECT pg_backend_pid()').catch((e: unknown) => e);
      if (next instanceof Error) {
        expect(next).toBeInstanceOf(ConnectionError);
        expect(await db.scalar<number>('SELECT pg_backend_pid()')).not.toBe(pid);
      } else {
        expect(next).not.toBe(pid);
      }
    } finally {
      await db.popBind().close();
      await other.popBind().close();
    }
  });
});

describe('neon-ws with a pool', () => {
  for (const options of [{ pool: true }, { max: 2 }]) {
    test(`${JSON.stringify(options)}: statements, transactions and cursors share the pool's connections`, async () => {
      const db = new Gino();
      const User = defineUser(db);
      const before = proxy.stats.wsConnections;
      await db.setBind(neonWs(neonUrl('neon-ws'), { ...proxy.neonOptions, ...options }));
      try {
        await db.gino.dropAll();
        await db.gino.createAll();
        await Promise.all(
          Array.from({ length: 4 }, (_, i) =>
            db.transaction(async () => {
              await User.create({ nickname: `p${i}` });
              await db.scalar('SELECT count(*) FROM neon_users');
            }),
          ),
        );
        const names: string[] = [];
        for await (const u of User.query.orderBy(User.nickname).gino.iterate({ prefetch: 3 }))
          names.push(String(u.nickname));
        expect(names).toEqual(['p0', 'p1', 'p2', 'p3']);
        await expect(User.create({ id: (await User.query.gino.first())?.id })).rejects.toBeInstanceOf(DatabaseError);
        await db.gino.dropAll();
        const opened = proxy.stats.wsConnections - before;
        expect(opened).toBeGreaterThanOrEqual(1);
        expect(opened).toBeLessThanOrEqual(options.max ?? 10);
      } finally {
        await db.popBind().close();
      }
    });
  }
});

for (const kind of KINDS) {
  test(`${kind}: timeout(ms) cancels a slow statement with QueryTimeoutError`, async (t) => {
    if (inject('databaseKind') === 'pglite') t.skip('PGlite does not enforce statement_timeout');
    const db = new Gino();
    await db.setBind(neonUrl(kind), proxy.neonOptions);
    try {
      const before = proxy.stats.httpRequests;
      await expect(db.func.pg_sleep(2).gino.timeout(50).scalar()).rejects.toBeInstanceOf(QueryTimeoutError);
      // neon-http sends SET LOCAL statement_timeout and the statement as one batch: one request.
      expect(proxy.stats.httpRequests - before).toBe(kind === 'neon-http' ? 1 : 0);
      expect(await db.scalar('SELECT 1')).toBe(1);
    } finally {
      await db.popBind().close();
    }
  });
}

test('neon-ws without a webSocketConstructor uses the global WebSocket, else loads ws', async () => {
  const db = new Gino();
  await db.setBind(neonUrl('neon-ws'), { ...proxy.neonOptions, webSocketConstructor: undefined });
  try {
    expect(await db.scalar('SELECT 1')).toBe(1);
  } finally {
    await db.popBind().close();
  }
});

describe('neon-http requests', () => {
  test('headers, batch options, auth token and the default endpoint, as the Neon driver sends them', async () => {
    const user = new URL(databaseUrl).username;
    const jwtProxy = await startNeonProxy({ target: databaseUrl, jwt: { key: 'jwt-test-secret', roles: [user] } });
    const token = signJwt({ sub: 'user-1', exp: Math.floor(Date.now() / 1000) + 600 }, 'jwt-test-secret');
    const seen: { url: string; headers: Record<string, string>; body: unknown }[] = [];
    const fetchFunction: FetchLike = (url, init) => {
      seen.push({ url, headers: init.headers, body: JSON.parse(init.body) });
      return fetch(
        init.headers.Authorization ? jwtProxy.httpEndpoint : proxy.httpEndpoint,
        init,
      ) as ReturnType<FetchLike>;
    };
    // A token request names no password: the token is the credential.
    const url = neonUrl('neon-http')
      .replace(`:${NEON_TEST_PASSWORD}@`, '@')
      .replace('@127.0.0.1', '@ep-cool-name-123456.us-east-2.aws.neon.tech');
    const db = new Gino();
    await db.setBind(url, { fetchFunction, authToken: async () => token, fetchOptions: { keepalive: false } });
    try {
      expect(await db.scalar('SELECT $1::int + 1', [41])).toBe(42);
      await db.batch(['SELECT 1', 'SELECT 2'], { isolation: 'repeatable read', readOnly: true, deferrable: false });
      expect(seen[0]?.url).toBe('https://apiauth.us-east-2.aws.neon.tech/sql');
      expect(seen[0]?.headers).toEqual({
        'Neon-Connection-String': url.replace('postgresql+neon-http://', 'postgresql://'),
        'Neon-Raw-Text-Output': 'true',
        'Neon-Array-Mode': 'true',
        Authorization: `Bearer ${token}`,
      });
      // The first request also asks for the role's output settings (and sets them for itself).
      expect(seen[0]?.body).toEqual({
        queries: [
          ...SESSION_PROBE.map((q) => ({ query: q.sql, params: [] })),
          ...SESSION_SETUP_LOCAL.map((q) => ({ query: q.sql, params: [] })),
          { query: 'SELECT $1::int + 1', params: ['41'] },
        ],
      });
      // Neon adds a clause only for `true`: false (the default) sends no header.
      expect(seen[1]?.headers).toMatchObject({
        'Neon-Batch-Isolation-Level': 'RepeatableRead',
        'Neon-Batch-Read-Only': 'true',
      });
      expect(seen[1]?.headers).not.toHaveProperty('Neon-Batch-Deferrable');
      expect(seen[1]?.body).toEqual({
        queries: [
          { query: 'SELECT 1', params: [] },
          { query: 'SELECT 2', params: [] },
        ],
      });
    } finally {
      await db.popBind().close();
      await jwtProxy.close();
    }
    const plain = neonHttp(neonUrl('neon-http').replace('@127.0.0.1', '@ep-x-1.eu-central-1.aws.neon.tech'), {
      fetchFunction,
    });
    await plain.query({ sql: 'SELECT 1', params: [] });
    await plain.close();
    expect(seen.at(-1)?.url).toBe('https://api.eu-central-1.aws.neon.tech/sql');
  });
});
