/**
 * The package as users get it: built, `npm pack`ed, and installed from the tarball into a fresh
 * project, with the drivers linked from this workspace's node_modules (offline, fast). Cached in
 * .tmp/runtime/ under a hash of the sources, so the runtime test files share one build.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const ROOT = resolve(import.meta.dirname, '../../..');
const CACHE = join(ROOT, '.tmp', 'runtime');

/** Driver and framework packages linked into the project when the workspace has them. */
const DRIVERS = [
  'pg',
  '@electric-sql/pglite',
  '@neondatabase/serverless',
  'ws',
  'hono',
  '@opentelemetry/api',
  '@opentelemetry/sdk-trace-base',
] as const;

/** What goes into the package, so a change to any of it makes a new build. */
const INPUTS = ['src', 'adapters', 'package.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md'];

export interface PackedProject {
  /** A project directory whose node_modules holds gino-edge (from the tarball) and the drivers. */
  dir: string;
  tarball: string;
  /** Installed files of gino-edge, relative to its folder. */
  files: string[];
}

async function listFiles(path: string): Promise<string[]> {
  if (!existsSync(path)) return [];
  const entries = await readdir(path, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

async function sourceHash(): Promise<string> {
  const hash = createHash('sha256');
  for (const input of INPUTS) {
    const path = join(ROOT, input);
    const files = input.includes('.') ? [path] : await listFiles(path);
    for (const file of files) {
      hash.update(relative(ROOT, file));
      hash.update(await readFile(file));
    }
  }
  return hash.digest('hex').slice(0, 16);
}

const NPM_QUIET = ['--no-audit', '--no-fund', '--loglevel=error'];

let pending: Promise<PackedProject> | undefined;

/** Build, pack and install once per source state. */
export function packedProject(): Promise<PackedProject> {
  pending ??= makePackedProject();
  return pending;
}

async function makePackedProject(): Promise<PackedProject> {
  const key = await sourceHash();
  const base = join(CACHE, `pkg-${key}`);
  const dir = join(base, 'project');
  const tarball = join(base, 'gino-edge.tgz');
  const installed = join(dir, 'node_modules', 'gino-edge');
  if (!existsSync(join(base, 'ready'))) {
    await rm(CACHE, { recursive: true, force: true });
    const stage = join(base, 'stage');
    await mkdir(stage, { recursive: true });
    // Build into the staging copy, leaving the worktree's dist/ alone.
    await run(process.execPath, [
      join(ROOT, 'node_modules/typescript/bin/tsc'),
      '-p',
      join(ROOT, 'tsconfig.build.json'),
      '--outDir',
      join(stage, 'dist'),
    ]);
    await cp(join(ROOT, 'package.json'), join(stage, 'package.json'));
    await cp(join(ROOT, 'README.md'), join(stage, 'README.md'));
    const { stdout } = await run(
      'npm',
      ['pack', '--ignore-scripts', '--json', '--pack-destination', base, ...NPM_QUIET],
      {
        cwd: stage,
      },
    );
    const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
    await cp(join(base, filename), tarball);
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'runtime-check', private: true, type: 'module' }),
    );
    await run('npm', ['install', tarball, '--no-save', '--offline', '--ignore-scripts', ...NPM_QUIET], { cwd: dir });
    for (const name of DRIVERS) {
      const source = join(ROOT, 'node_modules', name);
      if (!existsSync(source)) continue;
      const target = join(dir, 'node_modules', name);
      await mkdir(join(target, '..'), { recursive: true });
      await symlink(source, target, 'dir');
    }
    await writeFile(join(base, 'ready'), key);
  }
  const files = (await listFiles(installed)).map((f) => relative(installed, f));
  return { dir, tarball, files };
}
