/**
 * `gino-edge migrate` end to end, spawned as a user runs it: the blog (test/migrate/fixtures)
 * evolves through three migrations that `generate` writes from its models, `up` applies, `check`
 * confirms, `down` reverts — on pg, on PGlite (a data directory) and on neon-http (through the
 * dev proxy) — with the exit codes a CI pipeline reads. The three files it writes are the ones
 * examples/migrations holds (up to their timestamps).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { type NeonProxy, startNeonProxy } from '../../src/dev/index.js';
import { parseMigrationSql } from '../../src/index.js';
import { neonUrl } from '../support/neon.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'src/dev/cli.ts');
/** tsx's loader, by path: the CLI runs in temporary folders with no node_modules. */
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
const FIXTURES = join(ROOT, 'test/migrate/fixtures');
const EXAMPLE = join(ROOT, 'examples/migrations/migrations');
const NO_SERVER = inject('databaseKind') === 'pglite' ? 'needs a PostgreSQL server to make databases' : undefined;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `gino-edge migrate ...` in `cwd`, spawned with tsx (the models are TypeScript). */
function cli(cwd: string, env: Record<string, string>, ...args: string[]): Promise<Result> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', TSX, CLI, 'migrate', ...args], {
      cwd,
      env: { ...process.env, DATABASE_URL: '', DATABASE_OPTIONS: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    child.on('error', fail);
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

let admin: pg.Client | undefined;
let proxy: NeonProxy | undefined;
const databases: string[] = [];
const dirs: string[] = [];

function dbUrl(name: string): string {
  const url = new URL(inject('databaseUrl'));
  url.pathname = `/${name}`;
  return url.toString();
}

async function freshDatabase(name: string): Promise<string> {
  const db = `gino_migrate_cli_${name}_${process.pid}`;
  await admin?.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await admin?.query(`CREATE DATABASE ${db}`);
  databases.push(db);
  return dbUrl(db);
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gino-migrate-'));
  dirs.push(dir);
  return dir;
}

beforeAll(async () => {
  if (NO_SERVER) return;
  admin = new pg.Client({ connectionString: inject('databaseUrl') });
  await admin.connect();
});

afterAll(async () => {
  await proxy?.close();
  for (const db of databases) await admin?.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await admin?.end();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Where each target's database is: a URL and the adapter options (as DATABASE_OPTIONS). */
const TARGETS: Record<string, () => Promise<Record<string, string>>> = {
  pg: async () => ({ DATABASE_URL: await freshDatabase('pg') }),
  pglite: async () => ({ DATABASE_URL: `pglite://${join(await tempDir(), 'data')}` }),
  'neon-http': async () => {
    const target = await freshDatabase('neon_http');
    proxy = await startNeonProxy({ target });
    const { webSocketConstructor: _, ...options } = proxy.neonOptions as Record<string, unknown>;
    return { DATABASE_URL: neonUrl('neon-http', target), DATABASE_OPTIONS: JSON.stringify(options) };
  },
};

async function sqlFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
}

describe('gino-edge migrate', () => {
  test.for(Object.keys(TARGETS))(
    'the blog evolves through three generated migrations on %s',
    { timeout: 240_000 },
    async (name, ctx) => {
      if (NO_SERVER) return ctx.skip(NO_SERVER);
      const env = await (TARGETS[name] as () => Promise<Record<string, string>>)();
      const cwd = await tempDir();
      const run = (...args: string[]) => cli(cwd, env, ...args);
      const models = (v: number) => ['--models', join(FIXTURES, `blog-v${v}.ts`)];
      // Every command and exit code on pg; the evolution itself (each spawn opens the database
      // anew, slow for PGlite) on the others.
      const full = name === 'pg';

      let r: Result;
      if (full) {
        r = await run('status');
        expect([r.code, r.stdout.trim()]).toEqual([0, '0 applied, 0 pending, 0 changed']);
        r = await run('check', ...models(1));
        expect(r.code).toBe(3);
        expect(r.stdout).toContain('table authors is missing');
      }

      r = await run('generate', 'create blog', ...models(1));
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/created .*migrations\/\d{14}_create_blog\.sql/);
      if (full) {
        r = await run('status');
        expect(r.code).toBe(3);
        expect(r.stdout).toMatch(/pending +\d{14}_create_blog/);
        r = await run('up', '--dry-run');
        expect([r.code, r.stdout]).toEqual([0, expect.stringMatching(/would apply \d{14}_create_blog/)]);
      }
      r = await run('up');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/applied \d{14}_create_blog \(\d+ ms\)\napplied 1 migration/);

      r = await run('generate', 'add_email_and_published_at', ...models(2));
      expect(r.code, r.stderr).toBe(0);
      if (full) {
        // Generating again before applying: the database is behind the folder.
        r = await run('generate', 'again', ...models(2));
        expect(r.code).toBe(3);
        expect(r.stderr).toContain('apply them first');
      }
      expect((await run('up')).code).toBe(0);
      if (full) expect((await run('check', ...models(2))).code).toBe(0);

      r = await run('generate', 'status_tags_content', ...models(3));
      expect(r.code).toBe(5);
      expect(r.stderr).toContain('column authors.bio is in the database, not in the model');
      expect(await sqlFiles(join(cwd, 'migrations'))).toHaveLength(2);
      r = await run('generate', 'status_tags_content', ...models(3), '--allow-destructive');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('renameColumn: column posts.body is read as renamed to content');
      expect((await run('up')).code).toBe(0);
      r = await run('check', ...models(3));
      expect([r.code, r.stdout.trim()]).toEqual([0, 'the database matches the models']);
      r = await run('status');
      expect([r.code, r.stdout.trim().split('\n').pop()]).toEqual([0, '3 applied, 0 pending, 0 changed']);

      // The files are the example's, generated the same way.
      const files = await sqlFiles(join(cwd, 'migrations'));
      const example = await sqlFiles(EXAMPLE);
      expect(files.map((f) => f.replace(/^\d{14}_/, ''))).toEqual(example.map((f) => f.replace(/^\d{14}_/, '')));
      for (const [i, f] of files.entries()) {
        const ours = parseMigrationSql('x', await readFile(join(cwd, 'migrations', f), 'utf8'));
        const theirs = parseMigrationSql('x', await readFile(join(EXAMPLE, example[i] as string), 'utf8'));
        expect(ours).toEqual(theirs);
      }
      const index = await readFile(join(cwd, 'migrations/index.ts'), 'utf8');
      expect(index).toContain("import type { Migration } from 'gino-edge';");
      for (const f of files) expect(index).toContain(`id: '${f.replace(/\.sql$/, '')}'`);

      if (!full) {
        r = await run('down');
        expect(r.code, r.stderr).toBe(0);
        expect((await run('check', ...models(2))).code).toBe(0);
        return;
      }

      // An applied migration edited: status and up say so, with exit code 4.
      const second = join(cwd, 'migrations', files[1] as string);
      const text = await readFile(second, 'utf8');
      await writeFile(second, text.replace('-- migrate:down', 'SELECT 1;\n-- migrate:down'));
      r = await run('status');
      expect(r.code).toBe(4);
      expect(r.stdout).toMatch(/changed +\d{14}_add_email_and_published_at/);
      r = await run('up');
      expect(r.code).toBe(4);
      expect(r.stderr).toContain('changed since it was applied');
      await writeFile(second, text);

      // Down one step, then to base, then up again.
      r = await run('down');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/reverted \d{14}_status_tags_content/);
      expect((await run('check', ...models(2))).code).toBe(0);
      r = await run('down', '--to', 'base');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('reverted 2 migrations');
      expect((await run('check', ...models(1))).stdout).toContain('table authors is missing');
      expect((await run('up')).code).toBe(0);
      expect((await run('check', ...models(3))).code).toBe(0);

      // Bad input: exit code 2, with what to do.
      r = await run('up', '--to', 'nope');
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("'nope' is not the id of one of the 3 migrations");
    },
  );

  test('usage errors and a missing DATABASE_URL exit with 2; new writes an empty migration', async () => {
    const cwd = await tempDir();
    let r = await cli(cwd, {}, 'status');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('set DATABASE_URL');
    r = await cli(cwd, {}, 'frobnicate');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
    r = await cli(cwd, {}, 'generate', 'x');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('needs --models');
    r = await cli(cwd, {}, 'new', 'Add Posts!');
    expect(r.code).toBe(0);
    const [file] = await sqlFiles(join(cwd, 'migrations'));
    expect(file).toMatch(/^\d{14}_add_posts\.sql$/);
    expect(await readFile(join(cwd, 'migrations', file as string), 'utf8')).toBe(
      '-- migrate:up\n\n\n-- migrate:down\n\n',
    );
    r = await cli(cwd, {}, '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('exit codes:');
  });
});
