/**
 * The workerd soak (issue 7, item 4): the soak Worker in workerd (Miniflare), `db.worker` giving
 * every request its own engine, driven over HTTP 50 requests at a time with the Node soak's mix
 * (CRUD, transactions or batches, 5% deliberate failures). pg opens one connection per request
 * (cloudflare:sockets, through a TCP gate that lets 25 reach the server at once); neon-http sends
 * its statements to the local Neon proxy. Then: no wrong result, rows = committed writes, no
 * connection left open, nothing uncaught or hung in workerd's log.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Log, LogLevel, Miniflare } from 'miniflare';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { type NeonProxy, startNeonProxy } from '../../src/dev/index.js';
import { bundle, workerBuildOptions } from '../runtimes/support/bundle.js';
import type { Gate } from '../runtimes/support/gate.js';
import { ROOT } from '../runtimes/support/package.js';
import { NEON_TEST_PASSWORD } from '../support/neon.js';
import type { SoakOutcome } from './fixtures/soak-ops.js';
import { openSoakTable, soakSkipReason, startSoakGate } from './support/soak-db.js';
import { until } from './support/watch.js';

const serverUrl = inject('databaseUrl');
const CONCURRENCY = 50;
/**
 * Requests per adapter: 5,000 in all by default. pg opens a server connection for every request
 * (a Worker cannot keep one across requests), and a new PostgreSQL backend costs a shared two-core
 * machine ~40 ms, so pg gets 300 of them to stay within the CI budget; neon-http's go through the
 * proxy's pool. GINO_SOAK_WORKERD_PG / GINO_SOAK_WORKERD_HTTP change the counts (5000 each for a
 * full run on both).
 */
const COUNTS: Record<'pg' | 'neon-http', number> = {
  pg: Number(process.env.GINO_SOAK_WORKERD_PG ?? 300),
  'neon-http': Number(process.env.GINO_SOAK_WORKERD_HTTP ?? 4700),
};
const APP = 'gino_rel_soak_w';
const NO_SERVER = soakSkipReason();
if (NO_SERVER) console.warn(`[soak workerd] skipped: ${NO_SERVER}`);

const FORBIDDEN_LOG = [
  /Cannot perform I\/O on behalf of a different request/i,
  /hung and would never generate a response|will never complete/i,
  /Uncaught/i,
];

class CapturedLog extends Log {
  text = '';
  override logWithLevel(level: LogLevel, message: string): void {
    this.text += `[${LogLevel[level]}] ${message}\n`;
  }
}

let admin: pg.Client;
let gate: Gate;
let proxy: NeonProxy;
let mf: Miniflare;
const log = new CapturedLog(LogLevel.WARN);

async function connections(where: string, params: unknown[]): Promise<number> {
  const { rows } = await admin.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND ${where}`,
    params,
  );
  return rows[0]?.n ?? -1;
}

describe.skipIf(NO_SERVER)('soak in workerd', () => {
  beforeAll(async () => {
    admin = await openSoakTable(serverUrl);
    gate = await startSoakGate(serverUrl);
    const u = new URL(serverUrl);
    proxy = await startNeonProxy({ target: serverUrl });
    const dir = join(ROOT, '.tmp', 'reliability');
    await mkdir(dir, { recursive: true });
    const b = await bundle(
      workerBuildOptions(join(import.meta.dirname, 'fixtures', 'soak-worker.ts'), join(dir, 'soak-worker.js')),
    );
    const database = u.pathname.slice(1);
    const vars = {
      pg: {
        DATABASE_URL: `${gate.route(serverUrl).replace(/\?.*$/, '')}?application_name=${APP}`,
        DATABASE_OPTIONS: JSON.stringify({ max: 1 }),
      },
      'neon-http': {
        DATABASE_URL: `postgresql+neon-http://${u.username}:${NEON_TEST_PASSWORD}@127.0.0.1/${database}`,
        DATABASE_OPTIONS: JSON.stringify({ fetchEndpoint: proxy.httpEndpoint }),
      },
    };
    mf = new Miniflare({
      log,
      verbose: true,
      handleRuntimeStdio(stdout: Readable, stderr: Readable) {
        stdout.on('data', (d: Buffer) => {
          log.text += String(d);
        });
        stderr.on('data', (d: Buffer) => {
          log.text += String(d);
        });
      },
      workers: (['pg', 'neon-http'] as const).map((name) => ({
        name: `soak-${name}`,
        modules: [{ type: 'ESModule' as const, path: b.outfile, contents: b.code }],
        compatibilityDate: '2026-04-01',
        compatibilityFlags: ['nodejs_compat'],
        bindings: vars[name],
        unsafeDirectSockets: [{ port: 0 }],
      })),
    });
    await mf.ready;
  }, 120_000);

  afterAll(async () => {
    await mf?.dispose();
    await proxy?.close();
    await gate?.close();
    await admin?.query('DROP TABLE IF EXISTS soak_items');
    await admin?.end();
  });

  test.each(['pg', 'neon-http'] as const)(
    '%s: requests 50 at a time, each its own binding: right results, rows = writes, nothing left open',
    async (name) => {
      const total = COUNTS[name];
      const base = await mf.unsafeGetDirectURL(`soak-${name}`);
      const run = `w${name}${process.pid}`;
      const outcomes: (SoakOutcome & { error?: string; status: number })[] = [];
      let next = 0;
      const started = Date.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < total) {
            const i = next++;
            const response = await fetch(new URL(`/?i=${i}&run=${run}`, base));
            const body = (await response.json()) as SoakOutcome & { error?: string };
            outcomes.push({ ...body, status: response.status });
          }
        }),
      );
      const ms = Date.now() - started;
      const writes = outcomes.reduce((sum, o) => sum + o.writes, 0);
      const wrong = outcomes.filter((o) => o.wrong || o.error || o.status !== 200);
      const injected: Record<string, number> = {};
      for (const o of outcomes) if (o.injected) injected[o.injected] = (injected[o.injected] ?? 0) + 1;
      // This run's rows only (its keys start with the run's name), whatever else writes meanwhile.
      const mine = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM soak_items WHERE key LIKE $1', [
        `${run}-%`,
      ]);
      const added = mine.rows[0]?.n ?? -1;
      const open =
        name === 'pg'
          ? () => connections('application_name = $1', [APP])
          : () => connections('application_name = $1', ['gino-edge neon proxy']);
      await until(async () => (await open()) === 0 && gate.open === 0, 5000, 'connections to close').catch(
        () => undefined,
      );
      const left = { server: await open(), gate: gate.open };
      console.log(
        `[soak workerd ${name}] ${outcomes.length} requests, ${CONCURRENCY} at a time, each its own engine, in ${ms} ms; ` +
          `wrong results ${wrong.length}; injected failures ${JSON.stringify(injected)}; rows added ${added} = committed writes ${writes}; ` +
          `left open: ${left.server} on the server, ${left.gate} at the gate` +
          (name === 'pg' ? ` (server connections peak ${gate.peakForwarded})` : ''),
      );
      expect(wrong.slice(0, 5)).toEqual([]);
      expect(outcomes).toHaveLength(total);
      expect(Object.values(injected).reduce((a, b) => a + b, 0)).toBe(Math.round(total * 0.05));
      expect(added).toBe(writes);
      expect(left).toEqual({ server: 0, gate: 0 });
      // ~60 ms a request at worst (pg: a new server connection each) on a loaded two-core machine.
    },
    Math.max(150_000, (COUNTS.pg + COUNTS['neon-http']) * 60),
  );

  test('workerd logged nothing uncaught, hung or cross-request', () => {
    const bad = log.text.split('\n').filter((line) => FORBIDDEN_LOG.some((re) => re.test(line)));
    expect(bad).toEqual([]);
  });
});
