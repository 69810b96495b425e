/**
 * examples/cloudflare-worker in workerd (Miniflare), bundled from the packed package as wrangler
 * would, driven over real HTTP: CRUD through each binding, 200 concurrent requests each under its
 * own PostgreSQL role, no connection left open, no cross-request I/O in workerd's log.
 */
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Log, LogLevel, Miniflare, type WorkerOptions } from 'miniflare';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { until } from '../reliability/support/watch.js';
import { type BindingSource, neonBinding, pgBinding, type RuntimeBinding, startBindings } from './support/bindings.js';
import { type Bundle, bundle, kib, workerBuildOptions } from './support/bundle.js';
import { type Gate, startGate } from './support/gate.js';
import { packedProject, ROOT } from './support/package.js';

/** The adapters the Worker is tested with; a Neon adapter is one more entry, e.g. neonBinding('neon-ws'). */
const SOURCES: readonly BindingSource[] = [pgBinding, neonBinding('neon-ws'), neonBinding('neon-http')];

const COMPATIBILITY_DATE = '2026-04-01';
const CONCURRENT = 200;
/** Server connections the gate lets through at once (the shared server has ~100 slots). */
const GATE_SLOTS = 32;
const ROLE_PREFIX = `gino_rt_${process.pid}_`;
const ROLES = Array.from({ length: CONCURRENT }, (_, i) => `${ROLE_PREFIX}${i}`);
/**
 * What workerd (verbose) logs when a request touches another request's I/O, a promise never
 * settles, or a promise (such as a close in ctx.waitUntil) rejects unhandled.
 */
const FORBIDDEN_LOG = [
  /Cannot perform I\/O on behalf of a different request/i,
  /hung and would never generate a response|will never complete/i,
  /different request context/i,
  /Uncaught/i,
];
/** The one error the tests cause on purpose (`?fail=1`). */
const EXPECTED_ERROR = 'failing on purpose';

/** Miniflare's own log and workerd's output, kept for the last test. */
/** The PGlite wire server (no PostgreSQL here) has one session for all connections and no roles to log in as. */
const NO_SESSIONS =
  inject('databaseKind') === 'pglite'
    ? 'the PGlite wire server has one session for all connections (no per-connection role, no pg_stat_activity)'
    : undefined;
if (NO_SESSIONS) console.warn(`[cloudflare-worker] per-request role tests skipped: ${NO_SESSIONS}`);

class CapturedLog extends Log {
  private text = '';
  override logWithLevel(level: LogLevel, message: string): void {
    this.append(`[${LogLevel[level]}] ${message}\n`);
  }
  append(chunk: string): void {
    this.text += chunk;
  }
  lines(): string[] {
    return this.text.split('\n');
  }
}

const log = new CapturedLog(LogLevel.DEBUG);
let mf: Miniflare;
let gate: Gate;
let admin: pg.Client;
let bindings: RuntimeBinding[] = [];
let closeBindings = async () => {};
const bundles: Record<string, Bundle> = {};

function hostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 5432) };
}

async function buildWorkers(): Promise<void> {
  const project = await packedProject();
  // A user's project: the sources next to node_modules/gino-edge from the tarball.
  const dir = join(project.dir, 'workers');
  for (const from of ['examples/cloudflare-worker/src', 'test/runtimes/fixtures'])
    await cp(join(ROOT, from), join(dir, from), { recursive: true });
  const entries = {
    example: join(dir, 'examples/cloudflare-worker/src/index.ts'),
    identity: join(dir, 'test/runtimes/fixtures/identity-worker.ts'),
    scope: join(dir, 'test/runtimes/fixtures/scope-worker.ts'),
    als: join(dir, 'test/runtimes/fixtures/als-worker.ts'),
  };
  for (const [name, entry] of Object.entries(entries))
    bundles[name] = await bundle(workerBuildOptions(entry, join(dir, 'out', `${name}.js`)));
}

function worker(name: string, bundleName: string, flags: string[], vars: Record<string, string> = {}): WorkerOptions {
  const b = bundles[bundleName] as Bundle;
  return {
    name,
    // From the file, as wrangler dev and @cloudflare/vitest-pool-workers load a Worker: Miniflare walks
    // its imports and refuses a computed import().
    modules: true,
    scriptPath: b.outfile,
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: flags,
    bindings: vars,
    unsafeDirectSockets: [{ port: 0 }],
  };
}

function varsFor(binding: RuntimeBinding): Record<string, string> {
  return { DATABASE_URL: binding.url, DATABASE_OPTIONS: JSON.stringify(binding.options) };
}

async function urlOf(workerName: string): Promise<URL> {
  return mf.unsafeGetDirectURL(workerName);
}

async function roleConnections(): Promise<number> {
  const { rows } = await admin.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename LIKE $1',
    [`${ROLE_PREFIX}%`],
  );
  return rows[0]?.n ?? -1;
}

interface Leftovers {
  /** Test-role connections the server still has. */
  server: number;
  /** Client connections still open at the gate. */
  gate: number;
  /** Connections dropped without PostgreSQL's goodbye since `abruptBefore`: not closed by gino-edge. */
  dropped: number;
}

/**
 * What is left after `graceMs` (closes run in ctx.waitUntil). workerd also drops a finished
 * request's sockets by itself, so "closed" means closed with a Terminate message, not just gone.
 */
async function leftovers(abruptBefore: number, graceMs = 5000): Promise<Leftovers> {
  await until(async () => (await roleConnections()) === 0 && gate.open === 0, graceMs, 'connections to close').catch(
    () => undefined,
  );
  return { server: await roleConnections(), gate: gate.open, dropped: gate.abrupt - abruptBefore };
}

beforeAll(async () => {
  const serverUrl = inject('databaseUrl');
  admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  if (!NO_SESSIONS)
    await admin.query(
      `DO $$ BEGIN FOR i IN 0..${CONCURRENT - 1} LOOP
       EXECUTE format('CREATE ROLE %I LOGIN', '${ROLE_PREFIX}' || i);
     END LOOP; END $$`,
    );
  gate = await startGate(hostPort(serverUrl), GATE_SLOTS);
  ({ bindings, close: closeBindings } = await startBindings(SOURCES, gate.route(serverUrl)));
  await buildWorkers();
  mf = new Miniflare({
    log,
    // Verbose: workerd then logs uncaught exceptions, cancelled (hung) requests and cross-request warnings.
    verbose: true,
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      stdout.on('data', (d: Buffer) => log.append(String(d)));
      stderr.on('data', (d: Buffer) => log.append(String(d)));
    },
    workers: [
      ...bindings.flatMap((b) => [
        worker(`example-${b.name}`, 'example', ['nodejs_compat'], varsFor(b)),
        worker(`identity-${b.name}`, 'identity', ['nodejs_compat'], varsFor(b)),
      ]),
      worker('scope-none', 'scope', []),
      worker('scope-als', 'als', ['nodejs_als']),
    ],
  });
  await mf.ready;
}, 120_000);

afterAll(async () => {
  await mf?.dispose();
  await closeBindings();
  await gate?.close();
  if (admin && !NO_SESSIONS) {
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename LIKE $1', [
      `${ROLE_PREFIX}%`,
    ]);
    await admin.query(
      `DO $$ DECLARE r text; BEGIN
         FOR r IN SELECT rolname FROM pg_roles WHERE rolname LIKE '${ROLE_PREFIX}%' LOOP
           EXECUTE format('DROP ROLE %I', r);
         END LOOP; END $$`,
    );
  }
  await admin?.end();
});

describe('the example Worker bundle', () => {
  test('bundles as wrangler would: pg on cloudflare:sockets, node:* left to nodejs_compat', () => {
    const example = bundles.example as Bundle;
    console.log(
      `[worker bundle] examples/cloudflare-worker: ${kib(example.bytes)} minified, ${kib(example.gzipBytes)} gzipped`,
    );
    expect(example.warnings).toEqual([]);
    expect(example.code).toContain('cloudflare:sockets');
    // pg's Node-only paths stay as imports workerd provides under nodejs_compat; nothing else.
    for (const m of example.nodeImports) expect(m).toMatch(/^node:/);
  });

  test('gino-edge itself, bundled for workerd, carries no computed import() and no node: specifier', () => {
    // The driverless Worker is gino-edge's own code: the workerd condition picks the entry that
    // loads nothing on demand.
    const core = (bundles.scope as Bundle).code;
    expect(core).toContain('AsyncLocalStorage');
    expect(core.match(/\bimport\((?!\s*["'`])/g) ?? []).toEqual([]);
    expect(core.match(/["'`]node:[^"'`]*["'`]/g) ?? []).toEqual([]);
    expect((bundles.scope as Bundle).nodeImports).toEqual([]);
  });
});

describe.each(SOURCES.map((s) => s.name))('the example Worker on %s', (name) => {
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(new URL(path, await urlOf(`example-${name}`)), {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };

  test('CRUD over HTTP: setup, create, list, get, update, count, delete', async () => {
    await admin.query('DROP TABLE IF EXISTS users');
    expect(await call('POST', '/setup')).toEqual({ status: 200, body: { ok: true } });
    expect(await call('POST', '/setup')).toEqual({ status: 200, body: { ok: true } });

    const fantix = await call('POST', '/users', { nickname: 'fantix' });
    expect(fantix).toEqual({ status: 201, body: { id: 1, nickname: 'fantix' } });
    expect(await call('POST', '/users', {})).toEqual({ status: 201, body: { id: 2, nickname: 'noname' } });

    expect(await call('GET', '/users')).toEqual({
      status: 200,
      body: [
        { id: 1, nickname: 'fantix' },
        { id: 2, nickname: 'noname' },
      ],
    });
    expect(await call('GET', '/users?limit=1&offset=1')).toEqual({
      status: 200,
      body: [{ id: 2, nickname: 'noname' }],
    });
    expect(await call('GET', '/users/1')).toEqual({ status: 200, body: { id: 1, nickname: 'fantix' } });
    expect(await call('PATCH', '/users/2', { nickname: 'daisy' })).toEqual({
      status: 200,
      body: { id: 2, nickname: 'daisy' },
    });
    expect(await call('GET', '/users/count')).toEqual({ status: 200, body: { count: 2 } });
    expect(await call('DELETE', '/users/1')).toEqual({ status: 204, body: null });
    expect(await call('GET', '/users/1')).toMatchObject({ status: 404 });
    expect(await call('DELETE', '/users/1')).toMatchObject({ status: 404 });
    expect(await call('PATCH', '/users/1', { nickname: 'x' })).toMatchObject({ status: 404 });
    expect(await call('GET', '/users/count')).toEqual({ status: 200, body: { count: 1 } });

    const { rows } = await admin.query('SELECT id, nickname FROM users ORDER BY id');
    expect(rows).toEqual([{ id: 2, nickname: 'daisy' }]);
  });

  test('client mistakes are 4xx, server errors carry their SQLSTATE', async () => {
    expect(await call('POST', '/users', 'not json')).toMatchObject({ status: 400 });
    expect(await call('POST', '/users', { nickname: 42 })).toMatchObject({ status: 400 });
    expect(await call('PATCH', '/users/2', {})).toMatchObject({ status: 400 });
    expect(await call('GET', '/users?limit=-5')).toMatchObject({ status: 400 });
    expect(await call('GET', '/users?offset=1.5')).toMatchObject({ status: 400 });
    expect(await call('GET', '/nowhere')).toMatchObject({ status: 404 });
    await admin.query('DROP TABLE users');
    expect(await call('GET', '/users')).toMatchObject({ status: 500, body: { code: '42P01' } });
  });
});

describe.skipIf(NO_SESSIONS).each(SOURCES.map((s) => s.name))('per-request bindings on %s', (name) => {
  test(`${CONCURRENT} concurrent requests, each under its own role, see only their own binding`, async () => {
    const base = await urlOf(`identity-${name}`);
    const abruptBefore = gate.abrupt;
    const started = Date.now();
    const results = await Promise.all(
      ROLES.map(async (role, i) => {
        const url = new URL(`/?role=${role}&pause=${(i * 7) % 20}`, base);
        const response = await fetch(url);
        const body = (await response.json()) as { first: string; second: string; explicit: string; same: boolean };
        return { role, status: response.status, ...body };
      }),
    );
    const own = results.filter(
      (r) => r.status === 200 && r.first === r.role && r.second === r.role && r.explicit === r.role && r.same,
    ).length;
    const ms = Date.now() - started;
    const left = await leftovers(abruptBefore);
    console.log(
      `[worker ${name}] ${own}/${CONCURRENT} requests saw only their own role in ${ms} ms; ` +
        `client connections peak ${gate.peakOpen}, server connections peak ${gate.peakForwarded} (gate ${GATE_SLOTS}); ` +
        `left open: ${left.server} on the server, ${left.gate} at the gate; dropped unclosed: ${left.dropped}`,
    );
    expect(results.filter((r) => r.status !== 200 || r.first !== r.role)).toEqual([]);
    expect(own).toBe(CONCURRENT);
    expect(left).toEqual({ server: 0, gate: 0, dropped: 0 });
  });

  test('a handler that throws still closes its binding', async () => {
    const base = await urlOf(`identity-${name}`);
    const abruptBefore = gate.abrupt;
    const statuses = await Promise.all(
      ROLES.slice(0, 20).map(async (role) => {
        const response = await fetch(new URL(`/?role=${role}&fail=1`, base));
        await response.arrayBuffer();
        return response.status;
      }),
    );
    expect(statuses).toEqual(Array(20).fill(500));
    expect(await leftovers(abruptBefore)).toEqual({ server: 0, gate: 0, dropped: 0 });
  });
});

describe('workerd without AsyncLocalStorage', () => {
  const get = async (workerName: string, path: string) =>
    (await fetch(new URL(path, await urlOf(workerName)))).json() as Promise<Record<string, unknown>>;

  test('no flags: db.scope() and db.worker() fail with UnsupportedError naming the flags', async () => {
    const scope = await get('scope-none', '/');
    expect(scope).toMatchObject({ scope: 'fails', name: 'UnsupportedError', unsupported: true });
    expect(scope.message).toMatch(/nodejs_compat/);
    expect(await get('scope-none', '/worker')).toMatchObject({ name: 'UnsupportedError', unsupported: true });
  });

  test('nodejs_als alone: scopes work once the Worker sets globalThis.AsyncLocalStorage; a missing adapter import is named', async () => {
    expect(await get('scope-als', '/')).toEqual({ scope: 'works', values: [1, 2, 3] });
    const w = await get('scope-als', '/worker');
    expect(w).toMatchObject({ name: 'InvalidRequestError' });
    expect(w.message).toMatch(/import 'gino-edge\/adapters\/pg'/);
  });
});

test('workerd logged no cross-request I/O, no hung promise, no failed close', () => {
  const lines = log.lines();
  // The capture works: the error thrown on purpose is there.
  if (!NO_SESSIONS) expect(lines.some((line) => line.includes(EXPECTED_ERROR))).toBe(true);
  const bad = lines.filter((line) => !line.includes(EXPECTED_ERROR) && FORBIDDEN_LOG.some((re) => re.test(line)));
  expect(bad).toEqual([]);
});
