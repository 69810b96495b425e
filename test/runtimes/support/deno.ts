/**
 * The `deno` binary for the Deno tests, from the npm package `deno` installed into .tmp/deno (never
 * a dependency in package.json: its platform packages break `npm ci` on some mirrors).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './package.js';

const run = promisify(execFile);
const DENO_HOME = join(ROOT, '.tmp', 'deno');

/** The binary and its version, or why there is none. */
export interface DenoBinary {
  path?: string;
  version?: string;
  reason?: string;
}

async function version(path: string): Promise<string> {
  const { stdout } = await run(path, ['--version'], { timeout: 30_000 });
  return stdout.split('\n')[0] ?? '';
}

/** The binary, installing it on first use; a reason instead when that is impossible here. */
export async function denoBinary(): Promise<DenoBinary> {
  const path = join(DENO_HOME, 'node_modules', '.bin', 'deno');
  try {
    if (!existsSync(path)) {
      await mkdir(DENO_HOME, { recursive: true });
      await writeFile(join(DENO_HOME, 'package.json'), '{ "private": true }\n');
      await run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--loglevel=error', 'deno'], {
        cwd: DENO_HOME,
        timeout: 180_000,
      });
    }
    return { path, version: await version(path) };
  } catch (error) {
    return { reason: `could not install or run deno (npm install deno): ${(error as Error).message}` };
  }
}

/** Environment for every deno run: its cache under .tmp, no update check, plain output. */
export function denoEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DENO_DIR: join(DENO_HOME, 'cache'),
    DENO_NO_UPDATE_CHECK: '1',
    NO_COLOR: '1',
    ...extra,
  };
}
