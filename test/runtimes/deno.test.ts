/**
 * examples/deno run by the `deno` binary, the way a Deno user runs it: `deno.json` maps
 * `gino-edge` to npm, and inside a folder with package.json Deno takes it from node_modules — here
 * the installed tarball. Once per binding; a Neon adapter is one more entry.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { type BindingSource, neonBinding, pgBinding, type RuntimeBinding, startBindings } from './support/bindings.js';
import { type DenoBinary, denoBinary, denoEnv } from './support/deno.js';
import { packedProject, ROOT } from './support/package.js';

/** The adapters the Deno example is run with; a Neon adapter is one more entry, e.g. neonBinding('neon-ws'). */
const SOURCES: readonly BindingSource[] = [pgBinding, neonBinding('neon-ws'), neonBinding('neon-http')];

const run = promisify(execFile);
let deno: DenoBinary;
let app: string;
let bindings: RuntimeBinding[] = [];
let closeBindings = async () => {};

beforeAll(async () => {
  deno = await denoBinary();
  if (!deno.path) {
    console.warn(`[deno] skipped: ${deno.reason}`);
    return;
  }
  console.log(`[deno] ${deno.version}`);
  const project = await packedProject();
  // A Deno project next to the installed package: deno.json and main.ts as the example has them.
  app = join(project.dir, 'deno-app');
  await mkdir(app, { recursive: true });
  await cp(join(ROOT, 'examples/deno'), app, { recursive: true });
  await cp(join(ROOT, 'test/runtimes/fixtures/scopes-check.mjs'), join(app, 'scopes-check.mjs'));
  await writeFile(join(app, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
  ({ bindings, close: closeBindings } = await startBindings(SOURCES, inject('databaseUrl')));
}, 180_000);

afterAll(async () => {
  await closeBindings();
});

async function denoRun(args: string[], env: Record<string, string> = {}) {
  return run(deno.path as string, args, { cwd: app, env: denoEnv(env), timeout: 120_000 });
}

describe('the Deno example', () => {
  test('type-checks against the installed package (deno check)', async (ctx) => {
    if (!deno.path) return ctx.skip(deno.reason);
    const { stderr } = await denoRun(['check', 'main.ts']);
    expect(stderr).not.toMatch(/error/i);
  });

  test.for(SOURCES.map((s) => s.name))('runs the tutorial through %s', async (name, ctx) => {
    if (!deno.path) return ctx.skip(deno.reason);
    const binding = bindings.find((b) => b.name === name) as RuntimeBinding;
    const admin = new pg.Client({ connectionString: inject('databaseUrl') });
    await admin.connect();
    await admin.query('DROP TABLE IF EXISTS users');
    await admin.end();
    const { stdout } = await denoRun(['run', '--allow-net', '--allow-env', 'main.ts'], {
      DATABASE_URL: binding.url,
      DATABASE_OPTIONS: JSON.stringify(binding.options),
    });
    expect(stdout).toContain('SQL: INSERT INTO users (nickname) VALUES ($1) RETURNING users.id, users.nickname');
    expect(stdout).toContain('created: {"id":1,"nickname":"fantix"}');
    expect(stdout).toContain('created: {"id":2,"nickname":"fantix (founder)"}');
    expect(stdout).toContain('get(1): {"id":1,"nickname":"fantix"}');
    expect(stdout).toContain('all: fantix, fantix (founder)');
    expect(stdout).toContain('population: 2');
    expect(stdout).toContain('update: UPDATE 2');
    expect(stdout).toContain('user 1 is now: Founding Member fantix');
    expect(stdout).toContain('delete: DELETE 1');
    expect(stdout).toContain('get(2) after delete: null');
    expect(stdout.trim().endsWith('Done.')).toBe(true);
  });

  test('runs on pglite://memory with --allow-read (PGlite reads its bundled files), as the runtimes guide says', async (ctx) => {
    if (!deno.path) return ctx.skip(deno.reason);
    const env = { DATABASE_URL: 'pglite://memory' };
    const { stdout } = await denoRun(['run', '--allow-net', '--allow-env', '--allow-read', 'main.ts'], env);
    expect(stdout).toContain('population: 2');
    expect(stdout.trim().endsWith('Done.')).toBe(true);
    // Without the flag, Deno itself names it.
    const refused = await denoRun(['run', '--allow-net', '--allow-env', 'main.ts'], env).then(
      () => '',
      (error: { stderr?: string }) => error.stderr ?? '',
    );
    expect(refused).toMatch(/Requires read access to .*pglite.*--allow-read/);
  });
});

describe('scopes in Deno', () => {
  test('concurrent db.scope() calls each see only their own binding (AsyncLocalStorage found in Deno)', async (ctx) => {
    if (!deno.path) return ctx.skip(deno.reason);
    if (inject('databaseKind') === 'pglite')
      return ctx.skip('the PGlite wire server has one session for all connections');
    const { stdout } = await denoRun(['run', '--allow-net', '--allow-env', 'scopes-check.mjs'], {
      DATABASE_URL: inject('databaseUrl'),
    });
    expect(JSON.parse(stdout)).toEqual({ own: 20, of: 20, bound: false, withBind: 'fn failed' });
  });
});
