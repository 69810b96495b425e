/**
 * The package as npm ships it: the tarball's contents, every entry point imported by plain Node
 * from a project that installed the tarball, queries through adapters loaded by URL, and a
 * runtime without AsyncLocalStorage (simulated in Node).
 */
import { execFile } from 'node:child_process';
import { cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, test } from 'vitest';
import { type PackedProject, packedProject, ROOT } from './support/package.js';

const run = promisify(execFile);
let project: PackedProject;
/** The check scripts, copied into the project so they import its node_modules/gino-edge. */
let checks: string;
let exportsMap: Record<string, { types: string; default: string }>;

/** The subpaths whose files the tarball has (adapters still being written are listed but absent). */
function shippedSubpaths(): string[] {
  return Object.entries(exportsMap)
    .filter(([, target]) => typeof target === 'object')
    .filter(([, target]) => project.files.includes(target.default.replace(/^\.\//, '')))
    .map(([subpath]) => subpath);
}

async function node(args: string[], env: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, args, {
    cwd: project.dir,
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split('\n').pop() as string);
}

beforeAll(async () => {
  project = await packedProject();
  checks = join(project.dir, 'checks');
  await cp(join(ROOT, 'test/runtimes/fixtures'), checks, { recursive: true });
  exportsMap = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')).exports;
}, 120_000);

describe('the tarball', () => {
  test('ships the built core and adapters with their types, and nothing else', () => {
    for (const file of ['package.json', 'README.md', 'dist/src/index.js', 'dist/src/index.d.ts'])
      expect(project.files).toContain(file);
    for (const subpath of ['./adapters/pg', './adapters/pglite']) expect(shippedSubpaths()).toContain(subpath);
    const stray = project.files.filter(
      (f) => !/^(package\.json|README\.md|dist\/(src|adapters)\/.*\.(js|d\.ts))$/.test(f),
    );
    expect(stray).toEqual([]);
    // No test, example or source TypeScript leaks into the package.
    expect(project.files.filter((f) => f.startsWith('dist/test') || f.startsWith('dist/examples'))).toEqual([]);
  });

  test("every shipped entry point's types are shipped too", () => {
    for (const subpath of shippedSubpaths()) {
      const target = exportsMap[subpath];
      if (!target || subpath === './package.json') continue;
      expect(project.files, subpath).toContain(target.types.replace(/^\.\//, ''));
    }
  });
});

describe('Node imports the installed package', () => {
  test('the root and every adapter subpath that exists import; adapters load by URL on demand', async () => {
    const specifiers = shippedSubpaths()
      .filter((s) => s !== './package.json')
      .map((s) => (s === '.' ? 'gino-edge' : `gino-edge/${s.slice(2)}`));
    const urls = [inject('databaseUrl')];
    const out = await node([join(checks, 'node-check.mjs'), ...specifiers], { GINO_URLS: JSON.stringify(urls) });
    const imports = out.imports as Record<string, string[] | string>;
    console.log(`[node package] imported ${specifiers.join(', ')}`);
    for (const specifier of specifiers)
      expect(Array.isArray(imports[specifier]), `${specifier}: ${imports[specifier]}`).toBe(true);
    expect(imports['gino-edge']).toEqual(
      expect.arrayContaining(['Gino', 'GinoError', 'UnsupportedError', 'registerAdapter']),
    );
    expect(imports['gino-edge/adapters/pg']).toEqual(expect.arrayContaining(['pg', 'default']));
    expect(imports['gino-edge/adapters/pglite']).toEqual(expect.arrayContaining(['pglite', 'default']));
    const queries = out.queries as Record<string, string>;
    for (const url of urls) expect(queries[url], url).toMatch(/^hello from \d+$/);
  });
});

describe('a runtime without AsyncLocalStorage (simulated in Node)', () => {
  test('db.scope throws UnsupportedError; explicit { bind } works; withBind hands over and closes', async () => {
    const out = await node(['--import', join(checks, 'no-async-hooks.mjs'), join(checks, 'no-als-check.mjs')], {
      DATABASE_URL: inject('databaseUrl'),
    });
    expect(out.scope).toMatchObject({ name: 'UnsupportedError', unsupported: true });
    expect((out.scope as { message: string }).message).toMatch(/AsyncLocalStorage.*\{ bind \}/s);
    expect(out.explicit).toEqual({
      created: { id: 1, nickname: 'daisy' },
      got: { id: 1, nickname: 'daisy' },
      all: ['daisy'],
      count: 1,
      raw: 42,
    });
    expect(out.unboundWithoutBind).toBe('UninitializedError');
    expect(out.withBind).toBe(1);
    expect(out.withBindClosed).toBe(true);
    expect(out.processWide).toBe(1);
  });
});
