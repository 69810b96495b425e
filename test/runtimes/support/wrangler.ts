/**
 * Workers built by wrangler itself (`wrangler deploy --dry-run --outdir`), as users deploy them, on
 * Node 22 (wrangler needs Node ≥ 22; see node.ts). Miniflare then loads the output by `scriptPath`,
 * as wrangler dev and @cloudflare/vitest-pool-workers do, walking its imports.
 */
import { execFile } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { nodeBinary } from './node.js';
import { ROOT } from './package.js';

const run = promisify(execFile);

export interface WranglerBuild {
  /** The bundled entry module: give it to Miniflare as `scriptPath` (with `modules: true`). */
  scriptPath: string;
  code: string;
  bytes: number;
}

/**
 * Build the Worker whose entry is `main` (inside `projectDir`, which has node_modules/gino-edge)
 * with a wrangler.toml written there: `nodejs_compat` unless `flags` says otherwise.
 */
export async function wranglerBuild(
  projectDir: string,
  name: string,
  main: string,
  flags: readonly string[] = ['nodejs_compat'],
): Promise<WranglerBuild> {
  const node = await nodeBinary(22);
  if (!node.path) throw new Error(node.reason);
  const config = join(projectDir, `wrangler.${name}.toml`);
  const outdir = join(projectDir, 'wrangler-out', name);
  await writeFile(
    config,
    [
      `name = "${name}"`,
      `main = "${main}"`,
      'compatibility_date = "2026-04-01"',
      `compatibility_flags = ${JSON.stringify(flags)}`,
      '',
    ].join('\n'),
  );
  const wrangler = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
  try {
    await run(node.path, [wrangler, 'deploy', '--dry-run', '--outdir', outdir, '--config', config], {
      cwd: projectDir,
      timeout: 180_000,
      env: {
        ...process.env,
        WRANGLER_SEND_METRICS: 'false',
        WRANGLER_LOG_PATH: join(projectDir, 'wrangler-logs'),
        CI: '1',
        NO_COLOR: '1',
      },
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`wrangler could not build ${name}: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
  const scriptPath = join(outdir, main.replace(/^.*\//, '').replace(/\.ts$/, '.js'));
  const code = await readFile(scriptPath, 'utf8');
  return { scriptPath, code, bytes: (await stat(scriptPath)).size };
}
