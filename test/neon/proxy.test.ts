/**
 * The local Neon proxy at the protocol level: Neon's SQL-over-HTTP requests and
 * replies, batches, errors, the loopback and origin guards, WebSocket piping, a PGlite target,
 * the counters, and the `gino-edge neon-proxy` command.
 */
import { spawn } from 'node:child_process';
import { PGlite } from '@electric-sql/pglite';
import { Client } from '@neondatabase/serverless';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import WebSocket from 'ws';
import { NEON_CORS_ALLOW_HEADERS, type NeonProxy, startNeonProxy } from '../../src/dev/index.js';
import { FrontendFrames } from '../../src/dev/pg-frames.js';
import { NEON_TEST_PASSWORD, neonUrl } from '../support/neon.js';

const databaseUrl = inject('databaseUrl');
const connectionString = neonUrl('serverless', databaseUrl);
const NEON_HEADERS = {
  'Neon-Connection-String': connectionString,
  'Neon-Raw-Text-Output': 'true',
  'Neon-Array-Mode': 'true',
};

async function post(
  proxy: NeonProxy,
  body: unknown,
  headers: Record<string, string> = NEON_HEADERS,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(proxy.httpEndpoint, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('the local Neon proxy', () => {
  let proxy: NeonProxy;
  beforeAll(async () => {
    proxy = await startNeonProxy({ target: databaseUrl });
    await post(proxy, { query: 'DROP TABLE IF EXISTS proxy_things', params: [] });
    await post(proxy, {
      query: 'CREATE TABLE proxy_things (id serial PRIMARY KEY, name text UNIQUE NOT NULL)',
      params: [],
    });
  });
  afterAll(async () => {
    await post(proxy, { query: 'DROP TABLE IF EXISTS proxy_things', params: [] });
    await proxy.close();
  });

  test('listens on loopback and describes itself for the Neon adapters', () => {
    expect(proxy.host).toBe('127.0.0.1');
    expect(proxy.port).toBeGreaterThan(0);
    expect(proxy.httpEndpoint).toBe(`http://127.0.0.1:${proxy.port}/sql`);
    expect(proxy.wsProxy).toBe(`127.0.0.1:${proxy.port}/v1`);
    expect(proxy.neonOptions).toMatchObject({
      fetchEndpoint: proxy.httpEndpoint,
      wsProxy: proxy.wsProxy,
      useSecureWebSocket: false,
    });
    // Neon's defaults stay: its pipelined start-up, no pipelined TLS.
    expect(proxy.neonOptions).not.toHaveProperty('pipelineConnect');
    expect(proxy.neonOptions).not.toHaveProperty('pipelineTLS');
    if (typeof (globalThis as { WebSocket?: unknown }).WebSocket !== 'function') {
      expect(proxy.neonOptions.webSocketConstructor).toBe(WebSocket);
    }
  });

  test('POST /sql answers as Neon does: fields, command, row count, raw text values', async () => {
    const { status, json } = await post(proxy, {
      query: "SELECT $1::int AS n, $2::text AS t, NULL::text AS z, '\\x0102'::bytea AS b, true AS ok",
      params: ['42', null],
    });
    expect(status).toBe(200);
    expect(json).toMatchObject({
      command: 'SELECT',
      rowCount: 1,
      rowAsArray: true,
      rows: [['42', null, null, '\\x0102', 't']],
    });
    expect((json.fields as unknown[])[0]).toEqual({
      name: 'n',
      dataTypeID: 23,
      tableID: 0,
      columnID: 0,
      dataTypeSize: 4,
      dataTypeModifier: -1,
      format: 'text',
    });
    const objects = await post(
      proxy,
      { query: 'SELECT 1 AS a', params: [] },
      { ...NEON_HEADERS, 'Neon-Array-Mode': 'false' },
    );
    expect(objects.json).toMatchObject({ rowAsArray: false, rows: [{ a: '1' }] });
    const insert = await post(proxy, {
      query: 'INSERT INTO proxy_things (name) VALUES ($1), ($2)',
      params: ['a', 'b'],
    });
    expect(insert.json).toMatchObject({ command: 'INSERT', rowCount: 2, rows: [] });
  });

  test('server errors are HTTP 400 with PostgreSQL error fields', async () => {
    const dup = await post(proxy, { query: 'INSERT INTO proxy_things (name) VALUES ($1), ($1)', params: ['dup'] });
    expect(dup.status).toBe(400);
    expect(dup.json).toMatchObject({
      code: '23505',
      severity: 'ERROR',
      constraint: 'proxy_things_name_key',
      table: 'proxy_things',
      schema: 'public',
      detail: 'Key (name)=(dup) already exists.',
    });
    const syntax = await post(proxy, { query: 'SELEC 1', params: [] });
    expect(syntax).toMatchObject({ status: 400, json: { code: '42601', position: '1' } });
  });

  test('multi-statement text is refused, as Neon refuses it (extended protocol)', async () => {
    const multi = await post(proxy, { query: 'SELECT 1; SELECT 2', params: [] });
    expect(multi).toMatchObject({
      status: 400,
      json: { code: '42601', message: 'cannot insert multiple commands into a prepared statement' },
    });
  });

  test('a batch is one transaction with the requested isolation, read-only and deferrable', async () => {
    const settings = [
      "SELECT current_setting('transaction_isolation')",
      "SELECT current_setting('transaction_read_only')",
      "SELECT current_setting('transaction_deferrable')",
    ].map((query) => ({ query, params: [] }));
    const { status, json } = await post(
      proxy,
      { queries: settings },
      {
        ...NEON_HEADERS,
        'Neon-Batch-Isolation-Level': 'Serializable',
        'Neon-Batch-Read-Only': 'true',
        'Neon-Batch-Deferrable': 'true',
      },
    );
    expect(status).toBe(200);
    expect((json.results as { rows: unknown[][] }[]).map((r) => r.rows[0]?.[0])).toEqual(['serializable', 'on', 'on']);
    const plain = await post(proxy, { queries: settings });
    expect((plain.json.results as { rows: unknown[][] }[]).map((r) => r.rows[0]?.[0])).toEqual([
      'read committed',
      'off',
      'off',
    ]);

    const failing = await post(proxy, {
      queries: [
        { query: 'INSERT INTO proxy_things (name) VALUES ($1)', params: ['batch-1'] },
        { query: 'INSERT INTO proxy_things (name) VALUES ($1)', params: ['a'] },
      ],
    });
    expect(failing).toMatchObject({ status: 400, json: { code: '23505' } });
    const left = await post(proxy, { query: 'SELECT count(*) FROM proxy_things WHERE name = $1', params: ['batch-1'] });
    expect(left.json.rows).toEqual([['0']]);
    const readOnly = await post(
      proxy,
      { queries: [{ query: "INSERT INTO proxy_things (name) VALUES ('ro')", params: [] }] },
      { ...NEON_HEADERS, 'Neon-Batch-Read-Only': 'true' },
    );
    expect(readOnly).toMatchObject({ status: 400, json: { code: '25006' } });
  });

  test('malformed requests are 400 with code "" as Neon sends them; other methods and paths are refused', async () => {
    const noHeader = await post(proxy, { query: 'SELECT 1', params: [] }, {});
    expect(noHeader).toMatchObject({
      status: 400,
      json: { message: 'invalid header: neon-connection-string', code: '', severity: '', detail: null },
    });
    const notJson = await fetch(proxy.httpEndpoint, { method: 'POST', headers: NEON_HEADERS, body: '{' });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { message: string }).message).toMatch(/^could not parse the HTTP request body/);
    const badQuery = await post(proxy, { sql: 'SELECT 1' });
    expect(badQuery).toMatchObject({ status: 400, json: { code: '' } });
    for (const res of [
      await fetch(proxy.httpEndpoint),
      await fetch(proxy.httpEndpoint.replace('/sql', '/nope'), { method: 'POST' }),
    ]) {
      expect(res.status).toBe(400);
      expect(await res.json()).toBe('query is not supported');
    }
  });

  test('refuses non-loopback Host names and unlisted browser origins', async () => {
    const { request } = await import('node:http');
    const status = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request(proxy.httpEndpoint, { method: 'POST', headers: { ...NEON_HEADERS, ...headers } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end(JSON.stringify({ query: 'SELECT 1', params: [] }));
      });
    expect(await status({ Host: `evil.example:${proxy.port}` })).toBe(403);
    expect(await status({ Host: `localhost:${proxy.port}` })).toBe(200);
    expect(await status({ Origin: 'https://evil.example' })).toBe(403);

    const open = await startNeonProxy({ target: databaseUrl, allowOrigins: ['http://localhost:5173'] });
    try {
      const preflight = await fetch(open.httpEndpoint, {
        method: 'OPTIONS',
        headers: {
          Origin: 'http://localhost:5173',
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'neon-connection-string',
        },
      });
      expect(preflight.status).toBe(200);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
      // Neon's fixed list, whatever the browser asks for.
      expect(preflight.headers.get('access-control-allow-headers')).toBe(NEON_CORS_ALLOW_HEADERS);
      const res = await fetch(open.httpEndpoint, {
        method: 'POST',
        headers: { ...NEON_HEADERS, Origin: 'http://localhost:5173' },
        body: JSON.stringify({ query: 'SELECT 1', params: [] }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    } finally {
      await open.close();
    }

    const wsStatus = (path: string, headers: Record<string, string> = {}) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(`ws://${proxy.wsProxy.replace('/v1', path)}`, { headers });
        ws.on('open', () => {
          ws.close();
          resolve('open');
        });
        ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
        ws.on('error', () => resolve('error'));
      });
    expect(await wsStatus('/v1')).toBe('open');
    expect(await wsStatus('/v2')).toBe('open');
    expect(await wsStatus('/elsewhere')).toBe('403');
    expect(await wsStatus('/v1', { Origin: 'https://evil.example' })).toBe('403');
  });

  test('pipes the Neon driver over WebSocket, and counts requests and messages', async () => {
    const before = proxy.stats;
    const client = new Client(connectionString);
    Object.assign(client.neonConfig, proxy.neonOptions);
    await client.connect();
    const result = await client.query('SELECT $1::text AS hello', ['world']);
    expect(result.rows).toEqual([{ hello: 'world' }]);
    await client.end();
    await post(proxy, { query: 'SELECT 1', params: [] });
    const after = proxy.stats;
    expect(after.wsConnections - before.wsConnections).toBe(1);
    expect(after.wsMessagesIn - before.wsMessagesIn).toBeGreaterThanOrEqual(2);
    expect(after.wsMessagesOut - before.wsMessagesOut).toBeGreaterThanOrEqual(2);
    expect(after.httpRequests - before.httpRequests).toBe(1);
  });

  test('a PGlite instance as the target (served over pglite-socket)', async () => {
    const pg = await PGlite.create();
    const local = await startNeonProxy({ target: pg });
    try {
      const pgliteUrl = `postgresql://postgres:${NEON_TEST_PASSWORD}@localhost/postgres`;
      const headers = { ...NEON_HEADERS, 'Neon-Connection-String': pgliteUrl };
      const { status, json } = await post(local, { query: 'SELECT $1::int + 1 AS n', params: ['41'] }, headers);
      expect(status).toBe(200);
      expect(json.rows).toEqual([['42']]);
      const client = new Client(pgliteUrl);
      Object.assign(client.neonConfig, local.neonOptions);
      await client.connect();
      expect((await client.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
      await client.end();
    } finally {
      await local.close();
      await pg.close();
    }
  });

  test('the gino-edge neon-proxy command starts the proxy and says where it listens', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/dev/cli.ts', 'neon-proxy', '--target', databaseUrl, '--max-request-bytes', '200'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /gino-edge neon proxy on .*\n/.exec(out);
          if (m) resolve(m[0]);
        });
        child.on('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
      });
      expect(line).toContain('loopback only');
      const port = Number(/127\.0\.0\.1:(\d+)/.exec(line)?.[1]);
      const res = await fetch(`http://127.0.0.1:${port}/sql`, {
        method: 'POST',
        headers: NEON_HEADERS,
        body: JSON.stringify({ query: 'SELECT 7 AS n', params: [] }),
      });
      expect(((await res.json()) as { rows: unknown }).rows).toEqual([['7']]);
      const tooLarge = await fetch(`http://127.0.0.1:${port}/sql`, {
        method: 'POST',
        headers: NEON_HEADERS,
        body: JSON.stringify({ query: 'SELECT $1::text', params: ['x'.repeat(300)] }),
      });
      expect(tooLarge.status).toBe(413);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });
});

test('the proxy sees Terminate in the client byte stream, whatever the chunking', () => {
  const startup = Buffer.alloc(8);
  startup.writeInt32BE(8, 0);
  startup.writeInt32BE(196608, 4);
  const query = Buffer.concat([Buffer.from('Q'), Buffer.from([0, 0, 0, 9]), Buffer.from('X\0\0\0\x04')]);
  const terminate = Buffer.from([0x58, 0, 0, 0, 4]);
  const stream = Buffer.concat([startup, query, terminate]);
  for (let cut = 1; cut < stream.length; cut++) {
    const frames = new FrontendFrames();
    const first = frames.push(stream.subarray(0, cut));
    expect(first || frames.push(stream.subarray(cut))).toBe(true);
    expect(first).toBe(false);
  }
  const quiet = new FrontendFrames();
  expect(quiet.push(Buffer.concat([startup, query]))).toBe(false);
});
