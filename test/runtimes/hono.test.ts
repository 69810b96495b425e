/**
 * Workers as Workers tooling builds and loads them: examples/hono and examples/cloudflare-worker,
 * bundled by wrangler (`wrangler deploy --dry-run`, on Node 22) from the packed package, loaded by
 * Miniflare from `scriptPath` (which refuses a computed `import()`), and driven over HTTP: the Hono
 * app's CRUD through each binding, its bindings closed through `executionCtx.waitUntil`, and
 * bind-time errors (no DATABASE_URL, a bad URL, a server that is down) answered by `app.onError`.
 */
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { Log, LogLevel, Miniflare, type WorkerOptions } from 'miniflare';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { until } from '../reliability/support/watch.js';
import { freePort } from '../support/server.js';
import { type BindingSource, neonBinding, pgBinding, type RuntimeBinding, startBindings } from './support/bindings.js';
import { kib } from './support/bundle.js';
import { type Gate, startGate } from './support/gate.js';
import { nodeBinary } from './support/node.js';
import { packedProject, ROOT } from './support/package.js';
import { type WranglerBuild, wranglerBuild } from './support/wrangler.js';

const SOURCES: readonly BindingSource[] = [pgBinding, neonBinding('neon-ws'), neonBinding('neon-http')];
const COMPATIBILITY_DATE = '2026-04-01';
/** Server connections this file holds at most (the shared server has ~100 slots). */
const GATE_SLOTS = 8;
const CONCURRENT = 40;

const node22 = await nodeBinary(22);
const NO_NODE_22 = node22.path ? undefined : node22.reason;
if (NO_NODE_22) console.warn(`[hono] skipped: wrangler needs Node 22: ${NO_NODE_22}`);

class CapturedLog extends Log {
  text = '';
  override logWithLevel(level: LogLevel, message: string): void {
    this.text += `[${LogLevel[level]}] ${message}\n`;
  }
}

const log = new CapturedLog(LogLevel.WARN);
let mf: Miniflare;
let gate: Gate;
let admin: pg.Client;
let bindings: RuntimeBinding[] = [];
let closeBindings = async () => {};
let downPort = 0;
const builds: Record<string, WranglerBuild> = {};

function worker(name: string, build: string, vars: Record<string, string>): WorkerOptions {
  return {
    name,
    modules: true,
    scriptPath: (builds[build] as WranglerBuild).scriptPath,
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: ['nodejs_compat'],
    bindings: vars,
    unsafeDirectSockets: [{ port: 0 }],
  };
}

function hostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 5432) };
}

async function call(workerName: string, method: string, path: string, body?: unknown) {
  const response = await fetch(new URL(path, await mf.unsafeGetDirectURL(workerName)), {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: kept as text, for the assertion to show
  }
  return { status: response.status, body: parsed as Record<string, unknown> | null };
}

/** Client connections still open at the gate after the closes in waitUntil ran, and those dropped unclosed. */
async function leftovers(abruptBefore: number): Promise<{ open: number; dropped: number }> {
  await until(async () => gate.open === 0, 5000, 'connections to close').catch(() => undefined);
  return { open: gate.open, dropped: gate.abrupt - abruptBefore };
}

beforeAll(async () => {
  if (NO_NODE_22) return;
  const serverUrl = inject('databaseUrl');
  admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  gate = await startGate(hostPort(serverUrl), GATE_SLOTS);
  ({ bindings, close: closeBindings } = await startBindings(SOURCES, gate.route(serverUrl)));
  downPort = await freePort();
  const project = await packedProject();
  const dir = join(project.dir, 'workers');
  for (const from of ['examples/cloudflare-worker/src', 'examples/hono/src', 'test/runtimes/fixtures'])
    await cp(join(ROOT, from), join(dir, from), { recursive: true });
  builds.hono = await wranglerBuild(dir, 'hono', 'examples/hono/src/index.ts');
  builds.example = await wranglerBuild(dir, 'example', 'examples/cloudflare-worker/src/index.ts');
  builds.tracing = await wranglerBuild(dir, 'tracing', 'test/runtimes/fixtures/tracing-worker.ts');
  const vars = (b: RuntimeBinding) => ({ DATABASE_URL: b.url, DATABASE_OPTIONS: JSON.stringify(b.options) });
  mf = new Miniflare({
    log,
    workers: [
      ...bindings.map((b) => worker(`hono-${b.name}`, 'hono', vars(b))),
      worker('hono-no-url', 'hono', {}),
      worker('hono-bad-url', 'hono', { DATABASE_URL: 'postgres//postgres@127.0.0.1/x' }),
      worker('hono-down', 'hono', { DATABASE_URL: `postgresql://postgres@127.0.0.1:${downPort}/none` }),
      worker('example-pg', 'example', vars(bindings[0] as RuntimeBinding)),
      worker('tracing-pg', 'tracing', vars(bindings[0] as RuntimeBinding)),
      worker('tracing-neon-http', 'tracing', vars(bindings[2] as RuntimeBinding)),
    ],
  });
  await mf.ready;
}, 300_000);

afterAll(async () => {
  await mf?.dispose();
  await closeBindings();
  await gate?.close();
  if (admin) {
    await admin.query('DROP TABLE IF EXISTS hono_notes');
    await admin.end();
  }
});

describe.skipIf(NO_NODE_22)('wrangler-built Workers load by scriptPath', () => {
  test('examples/hono and examples/cloudflare-worker: built by wrangler, loaded by Miniflare, serving', async () => {
    for (const [name, b] of Object.entries(builds))
      console.log(`[wrangler build] ${name}: ${kib(b.bytes)} (unminified, as wrangler --dry-run writes it)`);
    await admin.query('DROP TABLE IF EXISTS users');
    expect(await call('example-pg', 'POST', '/setup')).toEqual({ status: 200, body: { ok: true } });
    expect(await call('example-pg', 'GET', '/users/count')).toEqual({ status: 200, body: { count: 0 } });
    await admin.query('DROP TABLE users');
  });
});

describe.skipIf(NO_NODE_22).each(SOURCES.map((s) => s.name))('the Hono example on %s', (name) => {
  const w = `hono-${name}`;

  test('CRUD through gino(db, { bind }), every binding closed with a Terminate', async () => {
    await admin.query('DROP TABLE IF EXISTS hono_notes');
    const abruptBefore = gate.abrupt;
    expect(await call(w, 'POST', '/setup')).toEqual({ status: 200, body: { ok: true } });
    expect(await call(w, 'POST', '/notes', { title: 'first' })).toEqual({
      status: 201,
      body: { id: 1, title: 'first' },
    });
    expect(await call(w, 'POST', '/notes', { title: 'second' })).toMatchObject({ status: 201 });
    expect(await call(w, 'GET', '/notes')).toEqual({
      status: 200,
      body: [
        { id: 1, title: 'first' },
        { id: 2, title: 'second' },
      ],
    });
    expect(await call(w, 'GET', '/notes/2')).toEqual({ status: 200, body: { id: 2, title: 'second' } });
    expect(await call(w, 'GET', '/notes/9')).toEqual({ status: 404, body: { error: 'no note 9' } });
    expect(await call(w, 'POST', '/notes', 'not json')).toMatchObject({ status: 400 });
    const { rows } = await admin.query('SELECT id, title FROM hono_notes ORDER BY id');
    expect(rows).toEqual([
      { id: 1, title: 'first' },
      { id: 2, title: 'second' },
    ]);
    expect(await leftovers(abruptBefore)).toEqual({ open: 0, dropped: 0 });
  });

  test(`${CONCURRENT} concurrent requests, each on its own binding, all closed`, async () => {
    const abruptBefore = gate.abrupt;
    const results = await Promise.all(Array.from({ length: CONCURRENT }, () => call(w, 'GET', '/notes/1')));
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    expect(await leftovers(abruptBefore)).toEqual({ open: 0, dropped: 0 });
    expect(gate.peakForwarded).toBeLessThanOrEqual(GATE_SLOTS);
  });

  test('a database error reaches app.onError with its SQLSTATE', async () => {
    await admin.query('DROP TABLE IF EXISTS hono_notes');
    expect(await call(w, 'GET', '/notes')).toMatchObject({ status: 500, body: { code: '42P01' } });
  });
});

interface SpanJson {
  name: string;
  kind: number;
  id: string;
  parent?: string;
  status: number;
  attributes: Record<string, unknown>;
}

describe.skipIf(NO_NODE_22)(
  'OpenTelemetry spans in workerd (the SDK and its in-memory exporter, in the Worker)',
  () => {
    test('pg: statement and transaction spans, nested, with the database attributes and no values', async () => {
      const { status, body } = await call('tracing-pg', 'GET', '/?mode=tx');
      expect(status).toBe(200);
      const spans = body as unknown as SpanJson[];
      const tx = spans.find((s) => s.name === 'TRANSACTION') as SpanJson;
      expect(spans.map((s) => s.name)).toEqual(['SELECT', 'BEGIN', 'SELECT', 'COMMIT', 'TRANSACTION']);
      expect(spans.filter((s) => s.parent === tx.id).map((s) => s.name)).toEqual(['BEGIN', 'SELECT', 'COMMIT']);
      const first = spans[0] as SpanJson;
      expect(first).toMatchObject({ kind: 2, status: 0 });
      expect(first.attributes).toMatchObject({
        'db.system.name': 'postgresql',
        'db.operation.name': 'SELECT',
        'db.query.text': 'SELECT $1::int AS n',
        'server.address': '127.0.0.1',
        'server.port': gate.port,
      });
      expect(JSON.stringify(spans)).not.toMatch(/4242|never-in-a-span/);
    });

    test('neon-http: a batch is one request and one BATCH span', async () => {
      const { status, body } = await call('tracing-neon-http', 'GET', '/?mode=batch');
      expect(status).toBe(200);
      const spans = body as unknown as SpanJson[];
      expect(spans).toHaveLength(1);
      expect(spans[0]).toMatchObject({
        name: 'BATCH SELECT',
        attributes: { 'db.operation.batch.size': 2, 'db.system.name': 'postgresql' },
      });
    });
  },
);

describe.skipIf(NO_NODE_22)('bind-time errors reach app.onError', () => {
  test('no DATABASE_URL: InvalidRequestError saying it got undefined and where to set the variable', async () => {
    const r = await call('hono-no-url', 'GET', '/notes');
    expect(r).toMatchObject({ status: 500, body: { error: 'InvalidRequestError' } });
    expect(r.body?.message).toMatch(/got undefined instead of a database URL: is DATABASE_URL .* set\?/);
    expect(r.body?.message).toMatch(/wrangler\.toml|\.dev\.vars|wrangler secret put/);
  });

  test('a bad URL: InvalidRequestError naming what a URL looks like', async () => {
    const r = await call('hono-bad-url', 'GET', '/notes');
    expect(r).toMatchObject({ status: 500, body: { error: 'InvalidRequestError' } });
    expect(r.body?.message).toMatch(/not a database URL \(no scheme:\/\/\)/);
  });

  test('pg with nothing listening: ConnectionError naming host and port, as on Node (503)', async () => {
    const r = await call('hono-down', 'GET', '/notes');
    expect(r).toMatchObject({ status: 503, body: { error: 'ConnectionError' } });
    expect(r.body?.message).toContain(`127.0.0.1:${downPort}`);
  });

  test('workerd logged no uncaught error and no hung request', () => {
    expect(log.text).not.toMatch(/Uncaught|hung and would never generate a response|different request/i);
  });
});
