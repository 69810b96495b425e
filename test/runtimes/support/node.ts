/**
 * Other Node lines for the tools that need them (wrangler and @cloudflare/vitest-pool-workers need
 * Node ≥ 22): the registry's `node` package, installed into .tmp/node/<major> on first use (never a
 * dependency in package.json, so the project's own node_modules/.bin keeps the machine's node).
 * .ci/run installs the same folders.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './package.js';

const run = promisify(execFile);

/** Where `.ci/run` and this helper keep Node `major`. */
export function nodeHome(major: number): string {
  return join(ROOT, '.tmp', 'node', String(major));
}

/** The binary and its version, or why there is none. */
export interface NodeBinary {
  path?: string;
  version?: string;
  reason?: string;
}

const pending = new Map<number, Promise<NodeBinary>>();

/** Node `major`: this process's own when it is that line, else installed on first use. */
export function nodeBinary(major: number): Promise<NodeBinary> {
  let found = pending.get(major);
  if (!found) {
    found = findNode(major);
    pending.set(major, found);
  }
  return found;
}

async function findNode(major: number): Promise<NodeBinary> {
  if (Number(process.versions.node.split('.')[0]) === major)
    return { path: process.execPath, version: process.version };
  const home = nodeHome(major);
  const path = join(home, 'node_modules', '.bin', 'node');
  try {
    if (!existsSync(path)) {
      await mkdir(home, { recursive: true });
      await writeFile(join(home, 'package.json'), '{ "private": true }\n');
      await run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--loglevel=error', `node@${major}`], {
        cwd: home,
        timeout: 300_000,
      });
    }
    const { stdout } = await run(path, ['--version'], { timeout: 30_000 });
    return { path, version: stdout.trim() };
  } catch (error) {
    return {
      reason: `could not install or run Node ${major} (npm install node@${major}): ${(error as Error).message}`,
    };
  }
}
