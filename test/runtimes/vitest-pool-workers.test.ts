/**
 * The example Worker's own tests (examples/cloudflare-worker/test, vitest.config.ts) under
 * @cloudflare/vitest-pool-workers, as a Workers project runs them: in a project with gino-edge
 * installed from the packed tarball, by vitest on Node 22 (the pool needs Node ≥ 22), against the
 * run's database through a gate of a few connections.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, expect, inject, test } from 'vitest';
import { type Gate, startGate } from './support/gate.js';
import { nodeBinary } from './support/node.js';
import { packedProject, ROOT } from './support/package.js';

const run = promisify(execFile);
const node22 = await nodeBinary(22);
if (!node22.path) console.warn(`[vitest-pool-workers] skipped: the pool needs Node 22: ${node22.reason}`);

/** The test tooling a Workers project has in its devDependencies, linked from this workspace. */
const TOOLING = ['vitest', '@vitest', '@cloudflare/vitest-pool-workers'];

let gate: Gate | undefined;

afterAll(async () => {
  await gate?.close();
  const admin = new pg.Client({ connectionString: inject('databaseUrl') });
  await admin.connect();
  await admin.query('DROP TABLE IF EXISTS users');
  await admin.end();
});

test.skipIf(!node22.path)(
  'the example Worker passes its own tests under @cloudflare/vitest-pool-workers',
  async () => {
    const project = await packedProject();
    for (const name of TOOLING) {
      const target = join(project.dir, 'node_modules', name);
      if (existsSync(target)) continue;
      await mkdir(join(target, '..'), { recursive: true });
      await symlink(join(ROOT, 'node_modules', name), target, 'dir');
    }
    const dir = join(project.dir, 'pool-example');
    await rm(dir, { recursive: true, force: true });
    for (const part of ['src', 'test', 'vitest.config.ts'])
      await cp(join(ROOT, 'examples/cloudflare-worker', part), join(dir, part), { recursive: true });
    const u = new URL(inject('databaseUrl'));
    gate = await startGate({ host: u.hostname, port: Number(u.port || 5432) }, 4);
    const report = join(dir, 'report.json');
    let output = '';
    try {
      const r = await run(
        node22.path as string,
        [
          join(project.dir, 'node_modules/vitest/vitest.mjs'),
          'run',
          '--config',
          'vitest.config.ts',
          '--reporter=json',
          `--outputFile=${report}`,
        ],
        {
          cwd: dir,
          timeout: 240_000,
          env: {
            ...process.env,
            DATABASE_URL: gate.route(u.href),
            DATABASE_OPTIONS: '{"max":1}',
            NO_COLOR: '1',
            CI: '1',
          },
        },
      );
      output = r.stdout + r.stderr;
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string };
      output = `${e.stdout ?? ''}${e.stderr ?? ''}`;
    }
    const result = JSON.parse(await readFile(report, 'utf8').catch(() => '{}')) as {
      numPassedTests?: number;
      numFailedTests?: number;
      success?: boolean;
    };
    console.log(
      `[vitest-pool-workers] examples/cloudflare-worker on ${node22.version}: ${result.numPassedTests ?? 0} passed, ${result.numFailedTests ?? 0} failed`,
    );
    expect({ success: result.success, failed: result.numFailedTests }, output.slice(-4000)).toEqual({
      success: true,
      failed: 0,
    });
    expect(result.numPassedTests).toBeGreaterThanOrEqual(2);
    expect(gate.open).toBe(0);
  },
  300_000,
);
