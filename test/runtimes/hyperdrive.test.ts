/**
 * examples/cloudflare-hyperdrive in workerd (Miniflare), bundled from the packed package as
 * wrangler would, on Miniflare's local Hyperdrive bindings pointed at the run's server: the pg
 * adapter on `env.HYPERDRIVE.connectionString` (a `<id>.hyperdrive.local` host that workerd routes
 * to the binding), pooler mode turned on by that host, and fresh reads that bypass the cache through
 * a second, uncached binding. Each binding reaches the server through its own TCP gate, so the
 * test sees which one a request used.
 */
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { until } from '../reliability/support/watch.js';
import { type Bundle, bundle, workerBuildOptions } from './support/bundle.js';
import { type Gate, startGate } from './support/gate.js';
import { packedProject, ROOT } from './support/package.js';

const serverUrl = inject('databaseUrl');
const NO_SERVER =
  inject('databaseKind') === 'pglite'
    ? 'the run has no PostgreSQL server (the PGlite wire server holds one session: two bindings would share it)'
    : undefined;
if (NO_SERVER) console.warn(`[hyperdrive] skipped: ${NO_SERVER}`);

/** The run's server URL through a gate, with a password (Miniflare's Hyperdrive binding requires one; trust ignores it). */
function through(gate: Gate): string {
  const url = new URL(gate.route(serverUrl));
  if (!url.password) url.password = 'unused';
  return url.href;
}

describe.skipIf(NO_SERVER)('the Hyperdrive example Worker', () => {
  let mf: Miniflare;
  let cached: Gate;
  let fresh: Gate;
  let admin: pg.Client;
  let code: Bundle;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query('DROP TABLE IF EXISTS hyperdrive_notes');
    await admin.query('CREATE TABLE hyperdrive_notes (id serial PRIMARY KEY, body text NOT NULL)');
    const target = new URL(serverUrl);
    const server = { host: target.hostname, port: Number(target.port || 5432) };
    cached = await startGate(server, 8);
    fresh = await startGate(server, 8);
    const project = await packedProject();
    const dir = join(project.dir, 'hyperdrive');
    await cp(join(ROOT, 'examples/cloudflare-hyperdrive/src'), join(dir, 'src'), { recursive: true });
    code = await bundle(workerBuildOptions(join(dir, 'src/index.ts'), join(dir, 'out', 'index.js')));
    const worker = (name: string, hyperdrives: Record<string, string>) => ({
      name,
      modules: [{ type: 'ESModule' as const, path: code.outfile, contents: code.code }],
      compatibilityDate: '2026-04-01',
      compatibilityFlags: ['nodejs_compat'],
      hyperdrives,
      unsafeDirectSockets: [{ port: 0 }],
    });
    mf = new Miniflare({
      workers: [
        worker('two-bindings', { HYPERDRIVE: through(cached), HYPERDRIVE_FRESH: through(fresh) }),
        worker('one-binding', { HYPERDRIVE: through(cached) }),
      ],
    });
    await mf.ready;
  }, 120_000);

  afterAll(async () => {
    await mf?.dispose();
    await cached?.close();
    await fresh?.close();
    await admin?.query('DROP TABLE IF EXISTS hyperdrive_notes');
    await admin?.end();
  });

  async function call(worker: string, method: string, path: string, body?: unknown) {
    const response = await fetch(new URL(path, await mf.unsafeGetDirectURL(worker)), {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as unknown };
  }

  /** Connections each gate accepted while `fn` ran. */
  async function connections(fn: () => Promise<unknown>): Promise<{ cached: number; fresh: number }> {
    const before = { cached: cached.accepted, fresh: fresh.accepted };
    await fn();
    return { cached: cached.accepted - before.cached, fresh: fresh.accepted - before.fresh };
  }

  test('the bundle is the pg adapter over cloudflare:sockets', () => {
    expect(code.warnings).toEqual([]);
    expect(code.code).toContain('cloudflare:sockets');
  });

  test('a write and its read-back go through the uncached binding; plain reads through the cached one', async () => {
    let created: Awaited<ReturnType<typeof call>> | undefined;
    expect(
      await connections(async () => {
        created = await call('two-bindings', 'POST', '/notes', { body: 'first' });
      }),
    ).toEqual({ cached: 0, fresh: 1 });
    expect(created).toEqual({ status: 201, body: { note: { id: 1, body: 'first' }, count: 1 } });

    let listed: Awaited<ReturnType<typeof call>> | undefined;
    expect(
      await connections(async () => {
        listed = await call('two-bindings', 'GET', '/notes');
      }),
    ).toEqual({ cached: 1, fresh: 0 });
    expect(listed).toEqual({ status: 200, body: [{ id: 1, body: 'first' }] });

    // db.primary(): the read that must be fresh bypasses the cache.
    expect(
      await connections(async () => {
        listed = await call('two-bindings', 'GET', '/notes?fresh=1');
      }),
    ).toEqual({ cached: 0, fresh: 1 });
    expect(listed).toEqual({ status: 200, body: [{ id: 1, body: 'first' }] });
  });

  test('a Hyperdrive connection string turns on the transaction-mode pooler checks by itself', async () => {
    expect(await call('two-bindings', 'GET', '/pooler')).toEqual({
      status: 200,
      body: { sessionState: false, refused: 'UnsupportedError' },
    });
  });

  test('with one binding, everything goes through it', async () => {
    let listed: Awaited<ReturnType<typeof call>> | undefined;
    expect(
      await connections(async () => {
        await call('one-binding', 'POST', '/notes', { body: 'second' });
        listed = await call('one-binding', 'GET', '/notes');
      }),
    ).toEqual({ cached: 2, fresh: 0 });
    expect(listed).toEqual({
      status: 200,
      body: [
        { id: 1, body: 'first' },
        { id: 2, body: 'second' },
      ],
    });
  });

  test('every request closed its connections (closed in ctx.waitUntil)', async () => {
    await until(async () => cached.open === 0 && fresh.open === 0, 5000, 'connections to close').catch(() => undefined);
    expect({ cached: cached.open, fresh: fresh.open }).toEqual({ cached: 0, fresh: 0 });
  });
});
