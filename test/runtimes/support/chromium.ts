/**
 * Headless Chromium (Debian's /usr/bin/chromium; a tool's own browser download does not work
 * here), opened on a page that reports back over HTTP: no DevTools protocol needed.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The browser to use, or why there is none. */
export function findChromium(): { path?: string; reason?: string } {
  for (const path of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (path && existsSync(path)) return { path };
  }
  try {
    const path = execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], {
      encoding: 'utf8',
    }).trim();
    if (path) return { path };
  } catch {
    // not on PATH
  }
  return { reason: 'chromium is not installed (.ci/run installs it with apt-get install chromium)' };
}

export interface Browser {
  /** What the browser printed (its stderr), for failure messages. */
  output(): string;
  close(): Promise<void>;
}

/** Open `url` in a fresh headless profile. */
export async function openHeadless(path: string, url: string): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'gino-rt-chromium-'));
  const child: ChildProcess = spawn(
    path,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      // PGlite's wasm: skip the optimising recompile, which competes for the CPU on small machines.
      '--js-flags=--no-wasm-tier-up',
      `--user-data-dir=${profile}`,
      url,
    ],
    // Its own process group, so closing it ends its renderer and helper processes too.
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  let output = '';
  child.stderr?.on('data', (d: Buffer) => {
    output += String(d);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    output: () => output,
    close: async () => {
      const group = (signal: NodeJS.Signals) => {
        try {
          if (child.pid) process.kill(-child.pid, signal);
        } catch {
          // already gone
        }
      };
      group('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      group('SIGKILL');
      await rm(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    },
  };
}
