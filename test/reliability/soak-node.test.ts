/**
 * The Node soak (issue 7, item 4): 5,000 requests, 50 at a time, per-request bindings, mixed CRUD,
 * transactions and batches with 5% deliberate failures, in a child process with --expose-gc so the
 * heap can be measured after collection. Then: no wrong result, no unexpected error, rows in the
 * table = committed writes, no connection left on the server, heap back within 10% of the
 * baseline taken after a warm-up.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { Gate } from '../runtimes/support/gate.js';
import { TAKEN } from './fixtures/soak-ops.js';
import { openSoakTable, soakSkipReason, startSoakGate } from './support/soak-db.js';
import { until } from './support/watch.js';

const run = promisify(execFile);
const serverUrl = inject('databaseUrl');
const REQUESTS = Number(process.env.GINO_SOAK_REQUESTS ?? 5000);
const CONCURRENCY = 50;
const APP = 'gino_rel_soak';
const NO_SERVER = soakSkipReason();
if (NO_SERVER) console.warn(`[soak node] skipped: ${NO_SERVER}`);

let admin: pg.Client;
let gate: Gate;

async function serverConnections(): Promise<number> {
  const { rows } = await admin.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1',
    [APP],
  );
  return rows[0]?.n ?? -1;
}

describe.skipIf(NO_SERVER)('soak in Node', () => {
  beforeAll(async () => {
    admin = await openSoakTable(serverUrl);
    gate = await startSoakGate(serverUrl);
  });

  afterAll(async () => {
    await gate?.close();
    await admin?.query('DROP TABLE IF EXISTS soak_items');
    await admin?.end();
  });

  test(`${REQUESTS} requests, ${CONCURRENCY} at a time: right results, no leaks, heap back to baseline`, async () => {
    const url = `${gate.route(serverUrl).replace(/\?.*$/, '')}?application_name=${APP}`;
    const { stdout } = await run(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', join(import.meta.dirname, 'fixtures', 'soak-node.ts')],
      {
        env: {
          ...process.env,
          SOAK_URL: url,
          SOAK_REQUESTS: String(REQUESTS),
          SOAK_CONCURRENCY: String(CONCURRENCY),
          SOAK_RUN: `n${process.pid}`,
        },
        timeout: 120_000,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const result = JSON.parse(stdout.trim().split('\n').pop() as string);
    const { rows } = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM soak_items WHERE key <> $1', [
      TAKEN,
    ]);
    await until(async () => (await serverConnections()) === 0 && gate.open === 0, 5000, 'connections to close').catch(
      () => undefined,
    );
    const left = { server: await serverConnections(), gate: gate.open };
    const { start, baseline, after, warmup } = result.heap as {
      start: number;
      baseline: number;
      after: number;
      warmup: number;
    };
    const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
    console.log(
      `[soak node] ${result.requests} requests (${result.fresh} with an engine of their own), ${CONCURRENCY} at a time, in ${result.ms} ms; ` +
        `wrong results ${result.wrong.length}, unexpected errors ${result.errorCount}, injected failures ${JSON.stringify(result.injected)}; ` +
        `rows ${rows[0]?.n} = committed writes ${result.writes}; left open: ${left.server} on the server, ${left.gate} at the gate ` +
        `(server connections peak ${gate.peakForwarded}); heap after GC: start ${mib(start)}, after ${warmup}-request warm-up ${mib(baseline)}, ` +
        `after all ${mib(after)} (${(((after - baseline) / baseline) * 100).toFixed(1)}%)`,
    );
    expect(result.errors).toEqual([]);
    expect(result.wrong).toEqual([]);
    expect(result.unhandled).toEqual([]);
    expect(result.boundOutside).toBe(false);
    expect(result.requests).toBe(REQUESTS);
    expect(Object.values(result.injected as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(
      Math.round(REQUESTS * 0.05),
    );
    expect(rows[0]?.n).toBe(result.writes);
    expect(left).toEqual({ server: 0, gate: 0 });
    expect(after).toBeLessThanOrEqual(baseline * 1.1);
  }, 150_000);
});
