/**
 * The dev proxy as strict as Neon's own proxy (proxy/src/serverless/ in Neon's repository), and the
 * neon-http adapter sending what Neon requires: limits, session reset, cancellation, CORS, Neon's
 * error shape and credential rules, the pipelined WebSocket start-up, JWTs, batch headers, the
 * connection string header, error classes and caller headers. Each describe names the part of
 * issue 18 it covers.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { request } from 'node:http';
import { Client } from '@neondatabase/serverless';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { type FetchLike, neonHttp } from '../../adapters/neon-http/index.js';
import { DEV_PASSWORD, NEON_CORS_ALLOW_HEADERS, type NeonProxy, startNeonProxy } from '../../src/dev/index.js';
import { ConnectionError, Gino, GinoError } from '../../src/index.js';
import { signJwt } from '../support/jwt.js';
import { NEON_TEST_PASSWORD, neonUrl } from '../support/neon.js';
import { type PasswordMethod, startPasswordServer } from '../support/password-server.js';

const databaseUrl = inject('databaseUrl');
const serverOnly = inject('databaseKind') === 'pglite';
const connectionString = neonUrl('serverless', databaseUrl);
const user = decodeURIComponent(new URL(databaseUrl).username);
const HEADERS = {
  'Neon-Connection-String': connectionString,
  'Neon-Raw-Text-Output': 'true',
  'Neon-Array-Mode': 'true',
};

type Reply = { status: number; json: Record<string, unknown>; headers: Headers };

async function post(
  endpoint: string,
  body: unknown,
  headers: Record<string, string> = HEADERS,
  init: { signal?: AbortSignal } = {},
): Promise<Reply> {
  const res = await fetch(endpoint, { method: 'POST', headers, body: JSON.stringify(body), ...init });
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

/** What Neon sends for a refusal that is not a SQL error: every field, `code: ""`. */
function neonRefusal(message: string | RegExp): Record<string, unknown> {
  return {
    message: typeof message === 'string' ? message : expect.stringMatching(message),
    code: '',
    detail: null,
    hint: null,
    position: null,
    internalPosition: null,
    internalQuery: null,
    severity: '',
    where: null,
    table: null,
    column: null,
    schema: null,
    dataType: null,
    constraint: null,
    file: null,
    line: null,
    routine: null,
  };
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let proxy: NeonProxy;
/** A direct (pg) connection, to look at the server from outside the proxy. */
const direct = new Gino();
beforeAll(async () => {
  proxy = await startNeonProxy({ target: databaseUrl });
  await direct.setBind(databaseUrl);
  await direct.status('DROP TABLE IF EXISTS strict_rows');
  await direct.status('CREATE TABLE strict_rows (n int)');
});
afterAll(async () => {
  await direct.status('DROP TABLE IF EXISTS strict_rows');
  await direct.popBind().close();
  await proxy.close();
});

describe('1. limits: Neon 10 MiB each way by default, configurable', () => {
  test('the defaults: a body over 10 MiB is 413, a reply over 10 MiB of rows is 507', async () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    const tooBig = await post(proxy.httpEndpoint, { query: 'SELECT $1::text', params: [big] });
    expect(tooBig).toMatchObject({ status: 413, json: neonRefusal('request is too large (max is 10485760 bytes)') });
    const fits = await post(proxy.httpEndpoint, { query: 'SELECT length($1::text)', params: [big.slice(0, 1000)] });
    expect(fits.status).toBe(200);
    const huge = await post(proxy.httpEndpoint, { query: "SELECT repeat('x', 11 * 1024 * 1024)", params: [] });
    expect(huge).toMatchObject({ status: 507, json: neonRefusal('response is too large (max is 10485760 bytes)') });
  });

  test('configured limits, and neon-http reports them as ConnectionError "too-large" naming the way out', async () => {
    const small = await startNeonProxy({
      target: databaseUrl,
      limits: { maxRequestBytes: 2000, maxResponseBytes: 3000 },
    });
    const db = new Gino();
    try {
      await db.setBind(neonUrl('neon-http'), small.neonOptions);
      expect(await db.scalar('SELECT length($1::text)', ['y'.repeat(100)])).toBe(100);
      const request = await failure(db.scalar('SELECT length($1::text)', ['y'.repeat(3000)]));
      expect(request).toBeInstanceOf(ConnectionError);
      expect(request).toMatchObject({ reason: 'too-large' });
      expect(request?.message).toMatch(/HTTP 413: request is too large \(max is 2000 bytes\).*session adapter/);
      const reply = await failure(db.scalar("SELECT repeat('z', 4000)"));
      expect(reply).toBeInstanceOf(ConnectionError);
      expect(reply).toMatchObject({ reason: 'too-large' });
      expect(reply?.message).toMatch(/HTTP 507: response is too large \(max is 3000 bytes\).*page the query/);
      // The batch whose reply was too large was rolled back.
      await failure(db.batch(['INSERT INTO strict_rows VALUES (507)', "SELECT repeat('z', 4000)"]));
      expect(await direct.scalar('SELECT count(*)::int FROM strict_rows WHERE n = 507')).toBe(0);
    } finally {
      await db.popBind().close();
      await small.close();
    }
    await expect(startNeonProxy({ target: databaseUrl, limits: { maxRequestBytes: 0 } })).rejects.toThrow(
      /limits.maxRequestBytes takes a positive whole number of bytes/,
    );
  });
});

describe('2. the session is reset between requests', () => {
  test('search_path, temporary tables and advisory locks do not reach the next request', async () => {
    // The proxy keeps an idle connection for 200 ms by default (as Neon's HTTP pool holds few): on
    // a busy machine the next request may get a fresh one, which proves nothing about the reset.
    // This proxy keeps one connection per pool for a minute, and a sequence that still met another
    // connection (the one was dropped) is tried again.
    const steady = await startNeonProxy({ target: databaseUrl, poolIdleMs: 60_000, poolMax: 1 });
    try {
      await resetSequence(steady);
    } finally {
      await steady.close();
    }
  });

  async function resetSequence(proxy: NeonProxy): Promise<void> {
    const ATTEMPTS = 8;
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const first = (
        await post(proxy.httpEndpoint, { query: "SELECT pg_backend_pid(), current_setting('search_path')", params: [] })
      ).json;
      const [firstPid, defaultPath] = (first.rows as unknown[][])[0] ?? [];
      const setup = [
        'SET search_path TO pg_catalog',
        'CREATE TEMP TABLE strict_leak (n int)',
        'SELECT pg_advisory_lock(424242)',
      ];
      const pids: unknown[] = [];
      for (const query of setup) {
        const reply = await post(proxy.httpEndpoint, { query, params: [] });
        expect(reply.status).toBe(200);
        pids.push((await post(proxy.httpEndpoint, { query: 'SELECT pg_backend_pid()', params: [] })).json.rows);
      }
      const { json } = await post(proxy.httpEndpoint, {
        query:
          "SELECT pg_backend_pid(), current_setting('search_path'), to_regclass('pg_temp.strict_leak')::text, (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid())::int",
        params: [],
      });
      const row = (json.rows as unknown[][])[0];
      const samePid = row?.[0] === firstPid && pids.every((r) => (r as unknown[][])[0]?.[0] === firstPid);
      if (!samePid && attempt < ATTEMPTS) continue;
      // The same pooled connection: the reset, not a fresh connection, cleared it.
      expect(samePid, 'every request of one attempt ran on one pooled connection').toBe(true);
      expect(row?.slice(1)).toEqual([defaultPath, null, '0']);
      return;
    }
  }

  test('a statement that leaves a transaction open does not hold the next request inside it', async () => {
    expect((await post(proxy.httpEndpoint, { query: 'BEGIN', params: [] })).status).toBe(200);
    await post(proxy.httpEndpoint, { query: 'INSERT INTO strict_rows VALUES (2)', params: [] });
    expect(await direct.scalar('SELECT count(*)::int FROM strict_rows WHERE n = 2')).toBe(1);
  });

  test('through neon-http: a SET in one statement is gone in the next', async () => {
    const db = new Gino();
    await db.setBind(neonUrl('neon-http'), proxy.neonOptions);
    try {
      const before = await db.scalar("SELECT current_setting('search_path')");
      await db.status('SET search_path TO pg_catalog');
      expect(await db.scalar("SELECT current_setting('search_path')")).toBe(before);
    } finally {
      await db.popBind().close();
    }
  });
});

describe('3. a client that goes away cancels its statement', () => {
  const running = () =>
    direct.scalar<number>(
      // This database's only: suites on other databases of the server may sleep at the same time.
      "SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE '%pg_sleep(1.5)%' AND pid <> pg_backend_pid()",
    );

  test('an aborted single statement is cancelled on the server, so its insert is not committed', async (t) => {
    if (serverOnly) t.skip('PGlite cannot cancel a statement');
    const insert = { query: 'INSERT INTO strict_rows SELECT 3 FROM pg_sleep(1.5)', params: [] };
    const aborted = await failure(post(proxy.httpEndpoint, insert, HEADERS, { signal: AbortSignal.timeout(300) }));
    expect(aborted?.name).toBe('TimeoutError');
    await sleep(300);
    expect(await running()).toBe(0);
    await sleep(1500);
    expect(await direct.scalar('SELECT count(*)::int FROM strict_rows WHERE n = 3')).toBe(0);
  });

  test('neon-http timeoutMs: single statements and batches are cancelled, nothing is committed', async (t) => {
    if (serverOnly) t.skip('PGlite cannot cancel a statement');
    const db = new Gino();
    await db.setBind(neonUrl('neon-http'), { ...proxy.neonOptions, timeoutMs: 400 });
    try {
      await db.scalar('SELECT 1');
      const single = await failure(db.status('INSERT INTO strict_rows SELECT 4 FROM pg_sleep(1.5)'));
      expect(single).toBeInstanceOf(ConnectionError);
      const batch = await failure(
        db.batch(['INSERT INTO strict_rows VALUES (5)', 'INSERT INTO strict_rows SELECT 5 FROM pg_sleep(1.5)']),
      );
      expect(batch).toBeInstanceOf(ConnectionError);
      await sleep(300);
      expect(await running()).toBe(0);
      await sleep(1500);
      expect(await direct.scalar('SELECT count(*)::int FROM strict_rows WHERE n IN (4, 5)')).toBe(0);
      expect(await db.scalar('SELECT 42')).toBe(42);
    } finally {
      await db.popBind().close();
    }
  });
});

describe("4. CORS: Neon's fixed allow list", () => {
  test('a preflight asking for Neon-Batch-Deferrable gets the list without it', async () => {
    const open = await startNeonProxy({ target: databaseUrl, allowOrigins: '*' });
    try {
      const res = await fetch(open.httpEndpoint, {
        method: 'OPTIONS',
        headers: {
          Origin: 'http://localhost:5173',
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'neon-connection-string,neon-batch-deferrable,x-custom',
        },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-headers')).toBe(
        'Authorization, Neon-Connection-String, Neon-Raw-Text-Output, Neon-Array-Mode, Neon-Pool-Opt-In, Neon-Batch-Read-Only, Neon-Batch-Isolation-Level',
      );
      expect(NEON_CORS_ALLOW_HEADERS.toLowerCase()).not.toContain('neon-batch-deferrable');
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-max-age')).toBe('86400');
    } finally {
      await open.close();
    }
  });
});

describe("5. errors and credentials in Neon's shape", () => {
  test('a missing password is refused, even when the target URL has one', async () => {
    const withTargetPassword = await startNeonProxy({
      target: databaseUrl.replace(/^(postgres(?:ql)?:\/\/[^:@/]+)@/, '$1:the-targets-own@'),
    });
    try {
      const noPassword = connectionString.replace(`:${NEON_TEST_PASSWORD}@`, '@');
      const reply = await post(
        withTargetPassword.httpEndpoint,
        { query: 'SELECT 1', params: [] },
        {
          ...HEADERS,
          'Neon-Connection-String': noPassword,
        },
      );
      expect(reply).toMatchObject({
        status: 400,
        json: neonRefusal('missing authentication credentials: required password'),
      });
    } finally {
      await withTargetPassword.close();
    }
    // Without the dev password of neonOptions, as with Neon's own options, the proxy refuses it.
    const { password: _devPassword, ...asOnNeon } = proxy.neonOptions;
    const db = new Gino();
    await db.setBind(neonUrl('neon-http').replace(`:${NEON_TEST_PASSWORD}@`, '@'), asOnNeon);
    try {
      const error = await failure(db.scalar('SELECT 1'));
      expect(error).toBeInstanceOf(ConnectionError);
      expect(error).toMatchObject({ reason: 'authentication' });
      expect(error?.message).toMatch(/missing authentication credentials: required password; check the URL's user/);
    } finally {
      await db.popBind().close();
    }
  });

  test("a URL without a password works with the proxy's neonOptions (their dev password; the target checks it)", async () => {
    const url = neonUrl('neon-http').replace(`:${NEON_TEST_PASSWORD}@`, '@');
    expect(new URL(url).password).toBe('');
    for (const scheme of ['neon-http', 'neon-ws'] as const) {
      const db = new Gino();
      await db.setBind(url.replace('+neon-http:', `+${scheme}:`), proxy.neonOptions);
      try {
        expect(await db.scalar('SELECT 1::int')).toBe(1);
      } finally {
        await db.popBind().close();
      }
    }
    // The URL's own password wins over the dev one: a wrong one fails at a password-checking server.
    expect(proxy.neonOptions.password).toBe(DEV_PASSWORD);
  });

  test('the other connection-string refusals, with code ""', async () => {
    const cases: [string, string][] = [
      ['mysql://u:p@h/db', 'incorrect scheme'],
      ['postgresql://:p@h/db', 'missing username'],
      ['postgresql://u:p@h/', 'missing database name'],
      ['not a url', 'invalid connection string: Invalid URL'],
    ];
    for (const [value, message] of cases) {
      const reply = await post(
        proxy.httpEndpoint,
        { query: 'SELECT 1', params: [] },
        {
          ...HEADERS,
          'Neon-Connection-String': value,
        },
      );
      expect(reply, value).toMatchObject({ status: 400, json: neonRefusal(message) });
    }
    const isolation = await post(
      proxy.httpEndpoint,
      { queries: [{ query: 'SELECT 1', params: [] }] },
      {
        ...HEADERS,
        'Neon-Batch-Isolation-Level': 'Chaos',
      },
    );
    expect(isolation).toMatchObject({ status: 400, json: neonRefusal('invalid isolation level') });
  });

  test('SQL errors carry every field, null where PostgreSQL sent none', async () => {
    const { status, json } = await post(proxy.httpEndpoint, { query: 'SELECT 1/0', params: [] });
    expect(status).toBe(400);
    expect(json).toMatchObject({ code: '22012', severity: 'ERROR', detail: null, hint: null, constraint: null });
    expect(Object.keys(json)).toEqual(Object.keys(neonRefusal('')));
    expect(typeof json.routine).toBe('string');
  });

  for (const method of ['password', 'md5', 'scram-sha-256'] as PasswordMethod[]) {
    test(`the password is checked by the target (${method}), over HTTP and WebSocket`, async () => {
      const front = await startPasswordServer({ behind: databaseUrl, password: 'right-one', method });
      const checked = await startNeonProxy({ target: front.url });
      const url = (password: string, kind: 'neon-http' | 'neon-ws') =>
        neonUrl(kind, front.url).replace(`:${NEON_TEST_PASSWORD}@`, `:${password}@`);
      try {
        const header = (password: string) => ({
          ...HEADERS,
          'Neon-Connection-String': neonUrl('serverless', front.url).replace(NEON_TEST_PASSWORD, password),
        });
        const wrong = await post(checked.httpEndpoint, { query: 'SELECT 1', params: [] }, header('wrong-one'));
        expect(wrong).toMatchObject({
          status: 400,
          json: neonRefusal(`password authentication failed for user '${user}'`),
        });
        const right = await post(checked.httpEndpoint, { query: 'SELECT 1', params: [] }, header('right-one'));
        expect(right).toMatchObject({ status: 200, json: { rows: [['1']] } });

        for (const kind of ['neon-http', 'neon-ws'] as const) {
          const db = new Gino();
          await db.setBind(url('right-one', kind), checked.neonOptions);
          try {
            expect(await db.scalar('SELECT $1::int + 1', [1])).toBe(2);
          } finally {
            await db.popBind().close();
          }
          const bad = new Gino();
          await bad.setBind(url('wrong-one', kind), checked.neonOptions);
          try {
            const error = await failure(bad.scalar('SELECT 1'));
            expect(error, kind).toBeInstanceOf(GinoError);
            expect(error?.message).toMatch(/password authentication failed for user/);
            if (kind === 'neon-http') expect(error).toMatchObject({ reason: 'authentication' });
          } finally {
            await bad.popBind().close();
          }
        }
        expect(front.refused).toBeGreaterThanOrEqual(3);
      } finally {
        await checked.close();
        await front.close();
      }
    });
  }

  test("Neon's default WebSocket start-up (pipelined cleartext password) works through the proxy", async () => {
    const client = new Client(connectionString);
    Object.assign(client.neonConfig, proxy.neonOptions);
    expect(client.neonConfig.pipelineConnect).toBe('password');
    const before = proxy.stats.wsMessagesIn;
    try {
      await client.connect();
      expect((await client.query('SELECT $1::text AS hello', ['pipelined'])).rows).toEqual([{ hello: 'pipelined' }]);
      // Start-up, password and query went before any answer (coalesced into one or two messages).
      expect(proxy.stats.wsMessagesIn - before).toBeLessThanOrEqual(2);
    } finally {
      await client.end();
    }
  });
});

describe('6. Authorization: Bearer <JWT>', () => {
  const SECRET = 'strict-test-secret';
  const now = () => Math.floor(Date.now() / 1000);
  let jwtProxy: NeonProxy;
  beforeAll(async () => {
    jwtProxy = await startNeonProxy({ target: databaseUrl, jwt: { key: SECRET, roles: [user], issuer: 'tests' } });
  });
  afterAll(async () => {
    await jwtProxy.close();
  });
  const tokenUrl = () => neonUrl('neon-http').replace(`:${NEON_TEST_PASSWORD}@`, '@');

  async function withToken<T>(authToken: string, fn: (db: Gino) => Promise<T>, endpoint = jwtProxy): Promise<T> {
    const db = new Gino();
    await db.setBind(tokenUrl(), { ...endpoint.neonOptions, authToken });
    try {
      return await fn(db);
    } finally {
      await db.popBind().close();
    }
  }

  test('a valid token connects, and its claims reach SQL for that request only', async () => {
    const token = signJwt({ sub: 'user-7', iss: 'tests', exp: now() + 60 }, SECRET);
    const claims = await withToken(token, (db) =>
      db.scalar("SELECT current_setting('request.jwt.claims')::json->>'sub'"),
    );
    expect(claims).toBe('user-7');
    const after = await post(jwtProxy.httpEndpoint, {
      query: "SELECT current_setting('request.jwt.claims', true)",
      params: [],
    });
    expect((after.json.rows as unknown[][])[0]?.[0] ?? '').toBe('');
  });

  test('an RS256 token against a public key', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rsa = await startNeonProxy({
      target: databaseUrl,
      jwt: { key: publicKey.export({ type: 'spki', format: 'pem' }).toString(), roles: [user] },
    });
    try {
      const part = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
      const head = `${part({ alg: 'RS256' })}.${part({ sub: 'rsa-user' })}`;
      const token = `${head}.${sign('sha256', Buffer.from(head), privateKey).toString('base64url')}`;
      expect(
        await withToken(token, (db) => db.scalar("SELECT current_setting('request.jwt.claims')::json->>'sub'"), rsa),
      ).toBe('rsa-user');
    } finally {
      await rsa.close();
    }
  });

  test('bad tokens are ConnectionError "authentication" with what was wrong', async () => {
    const cases: [string, RegExp][] = [
      [signJwt({ iss: 'tests', exp: now() - 10 }, SECRET), /JWT token has expired/],
      [signJwt({ iss: 'tests' }, 'another-secret'), /invalid JWT signature/],
      [signJwt({ iss: 'elsewhere' }, SECRET), /invalid JWT token issuer/],
      [signJwt({ iss: 'tests', nbf: now() + 600 }, SECRET), /not yet ready to use/],
      ['not-a-jwt', /malformed JWT/],
    ];
    for (const [token, message] of cases) {
      const error = await withToken(token, (db) => failure(db.scalar('SELECT 1')));
      expect(error, String(message)).toBeInstanceOf(ConnectionError);
      expect(error).toMatchObject({ reason: 'authentication' });
      expect(error?.message).toMatch(message);
    }
    const other = new Gino();
    await other.setBind(tokenUrl().replace(`://${user}@`, '://someone_else@'), {
      ...jwtProxy.neonOptions,
      authToken: signJwt({ iss: 'tests' }, SECRET),
    });
    try {
      expect((await failure(other.scalar('SELECT 1')))?.message).toMatch(/role 'someone_else' may not connect/);
    } finally {
      await other.popBind().close();
    }
  });

  test('a proxy without a key refuses tokens, saying how to test them', async () => {
    const error = await withToken(signJwt({}, SECRET), (db) => failure(db.scalar('SELECT 1')), proxy);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error?.message).toMatch(
      /required password \(this endpoint takes no JWT; start the proxy with jwt: \{ key \}/,
    );
  });
});

describe('7. batch headers only when true; deferrable as a statement', () => {
  test('false sends no header; the proxy adds a clause only for "true"', async () => {
    const seen: Record<string, string>[] = [];
    const fetchFunction: FetchLike = (url, init) => {
      seen.push(init.headers);
      return fetch(url, init) as ReturnType<FetchLike>;
    };
    const db = new Gino();
    await db.setBind(neonUrl('neon-http'), { ...proxy.neonOptions, fetchFunction });
    try {
      await db.scalar('SELECT 1');
      const settings = [
        "SELECT current_setting('transaction_isolation')",
        "SELECT current_setting('transaction_read_only')",
        "SELECT current_setting('transaction_deferrable')",
      ];
      const plain = await db.batch(settings, { readOnly: false, deferrable: false });
      expect(plain.map((r) => Object.values(r[0] ?? {})[0])).toEqual(['read committed', 'off', 'off']);
      expect(Object.keys(seen.at(-1) ?? {}).filter((k) => k.startsWith('Neon-Batch'))).toEqual([]);
      const all = await db.batch(settings, { isolation: 'serializable', readOnly: true, deferrable: true });
      expect(all.map((r) => Object.values(r[0] ?? {})[0])).toEqual(['serializable', 'on', 'on']);
      expect(seen.at(-1)).toMatchObject({
        'Neon-Batch-Isolation-Level': 'Serializable',
        'Neon-Batch-Read-Only': 'true',
      });
      expect(seen.at(-1)).not.toHaveProperty('Neon-Batch-Deferrable');
    } finally {
      await db.popBind().close();
    }
    // A role whose transactions are read-only by default stays so under "Neon-Batch-Read-Only: false"
    // (PGlite's socket server takes no start-up options).
    if (serverOnly) return;
    const readOnlyRole = `${connectionString}${connectionString.includes('?') ? '&' : '?'}options=${encodeURIComponent('-c default_transaction_read_only=on')}`;
    const { json } = await post(
      proxy.httpEndpoint,
      { queries: [{ query: "SELECT current_setting('transaction_read_only')", params: [] }] },
      { ...HEADERS, 'Neon-Connection-String': readOnlyRole, 'Neon-Batch-Read-Only': 'false' },
    );
    expect((json.results as { rows: unknown[][] }[])[0]?.rows).toEqual([['on']]);
  });
});

describe('8. the connection string header is percent-encoded', () => {
  test('a password outside ASCII arrives intact; a raw one is refused as Neon refuses it', async () => {
    const password = 'pässwörd✓';
    const front = await startPasswordServer({ behind: databaseUrl, password, method: 'password' });
    const checked = await startNeonProxy({ target: front.url });
    const db = new Gino();
    try {
      await db.setBind(neonUrl('neon-http', front.url).replace(NEON_TEST_PASSWORD, password), checked.neonOptions);
      expect(await db.scalar('SELECT 8')).toBe(8);
      expect(front.accepted).toBe(1);
      const status = await new Promise<number>((resolve, reject) => {
        const headers = {
          ...HEADERS,
          'Neon-Connection-String': connectionString.replace(NEON_TEST_PASSWORD, 'pässwörd'),
        };
        const req = request(checked.httpEndpoint, { method: 'POST', headers }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end(JSON.stringify({ query: 'SELECT 1', params: [] }));
      });
      expect(status).toBe(400);
    } finally {
      await db.popBind().close();
      await checked.close();
      await front.close();
    }
    const seen: Record<string, string>[] = [];
    const adapter = neonHttp('postgresql+neon-http://ü ser:pä ss@ep-x.neon.tech/dä tabase', {
      fetchFunction: async (_url, init) => {
        seen.push(init.headers);
        throw new Error('not sent');
      },
    });
    await failure(adapter.query({ sql: 'SELECT 1', params: [] }));
    expect(seen[0]?.['Neon-Connection-String']).toBe(
      'postgresql://%C3%BC%20ser:p%C3%A4%20ss@ep-x.neon.tech/d%C3%A4%20tabase',
    );
  });
});

describe("9. Neon's refusals are ConnectionError with a reason, never a plain GinoError", () => {
  test('a refusal that is not about credentials has reason "refused"', async () => {
    const db = new Gino();
    await db.setBind(neonUrl('neon-http'), {
      ...proxy.neonOptions,
      fetchEndpoint: proxy.httpEndpoint.replace('/sql', '/elsewhere'),
    });
    try {
      const error = await failure(db.scalar('SELECT 1'));
      expect(error).toBeInstanceOf(ConnectionError);
      expect(error).toMatchObject({ reason: 'refused' });
    } finally {
      await db.popBind().close();
    }
  });
});

describe('10. fetchOptions.headers are merged with the protocol headers', () => {
  test('a record or a Headers object adds headers; the protocol headers stay', async () => {
    for (const given of [
      { 'X-Trace': 'abc', 'neon-array-mode': 'false' },
      new Headers({ 'X-Trace': 'abc', 'neon-array-mode': 'false' }),
    ]) {
      const seen: Record<string, string>[] = [];
      const fetchFunction: FetchLike = (url, init) => {
        seen.push(init.headers);
        return fetch(url, init) as ReturnType<FetchLike>;
      };
      const db = new Gino();
      await db.setBind(neonUrl('neon-http'), { ...proxy.neonOptions, fetchFunction, fetchOptions: { headers: given } });
      try {
        expect(await db.scalar('SELECT 10 AS n')).toBe(10);
        const lower = Object.fromEntries(Object.entries(seen[0] ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
        expect(lower['x-trace']).toBe('abc');
        expect(seen[0]).toMatchObject({
          'Neon-Connection-String': neonUrl('serverless'),
          'Neon-Array-Mode': 'true',
          'Neon-Raw-Text-Output': 'true',
        });
        expect(Object.keys(seen[0] ?? {}).filter((k) => k.toLowerCase() === 'neon-array-mode')).toEqual([
          'Neon-Array-Mode',
        ]);
      } finally {
        await db.popBind().close();
      }
    }
  });
});
