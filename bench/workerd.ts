/**
 * Workers in workerd (Miniflare) against the local Neon-compatible proxy: cold start (module
 * load to the first query result) and round trips per operation (HTTP requests counted at the
 * proxy).
 */
import { Miniflare } from 'miniflare';
import type { NeonProxy } from '../src/dev/index.js';
import type { Bundled } from './bundle.js';
import { OPS } from './ops.js';
import { markdownTable, median, now, ratio, rotate } from './stats.js';

export interface WorkerTarget {
  bundled: Bundled;
  /** The URL this Worker is given (gino-edge picks its adapter by scheme). */
  databaseUrl: string;
}

/**
 * workerd evaluates a Worker's top-level module while it starts. To time the module's own load,
 * the entry is a tiny wrapper that imports the Worker on the first request: that request's time
 * is the module's load and evaluation plus its first query.
 */
const WRAPPER = `let worker;
export default {
  async fetch(request, env, ctx) {
    worker ??= (await import('./worker.mjs')).default;
    return worker.fetch(request, env, ctx);
  },
};`;

function miniflare(target: WorkerTarget, proxy: NeonProxy): Miniflare {
  return new Miniflare({
    // Given as a module list: workerd resolves the bundles' computed dynamic imports at run time.
    modules: [
      { type: 'ESModule', path: 'main.mjs', contents: WRAPPER },
      { type: 'ESModule', path: 'worker.mjs', contents: target.bundled.code },
    ],
    compatibilityDate: '2025-01-01',
    compatibilityFlags: ['nodejs_compat'],
    bindings: { DATABASE_URL: target.databaseUrl, NEON_ENDPOINT: proxy.httpEndpoint },
  });
}

async function call(mf: Miniflare, op: string, id = 1): Promise<unknown> {
  const url = `http://bench.local/?op=${encodeURIComponent(op)}&id=${id}`;
  const response = await mf.dispatchFetch(url);
  const text = await response.text();
  if (!response.ok) throw new Error(`${op}: HTTP ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

export async function measureColdStart(
  targets: readonly WorkerTarget[],
  proxy: NeonProxy,
  rounds: number,
): Promise<{ ms: Record<string, { cold: number; warm: number }>; markdown: string }> {
  const samples = new Map<string, { cold: number[]; warm: number[] }>();
  // Round 0 warms the proxy's own connection and the disk cache; it is not counted.
  for (let r = 0; r <= rounds; r++) {
    for (const target of rotate(targets, r)) {
      const mf = miniflare(target, proxy);
      try {
        await mf.ready;
        const t0 = now();
        await call(mf, 'get by primary key', 1);
        const t1 = now();
        await call(mf, 'get by primary key', 1);
        const t2 = now();
        if (r === 0) continue;
        const s = samples.get(target.bundled.entry.name) ?? { cold: [], warm: [] };
        s.cold.push(t1 - t0);
        s.warm.push(t2 - t1);
        samples.set(target.bundled.entry.name, s);
      } finally {
        await mf.dispose();
      }
    }
  }
  const ms: Record<string, { cold: number; warm: number }> = {};
  for (const [name, s] of samples) ms[name] = { cold: median(s.cold), warm: median(s.warm) };
  const base = ms[targets[0]?.bundled.entry.name ?? ''] ?? { cold: Number.NaN, warm: Number.NaN };
  const rows = targets.map((t) => {
    const m = ms[t.bundled.entry.name] as { cold: number; warm: number };
    return [
      t.bundled.entry.name,
      `${m.cold.toFixed(1)} ms`,
      ratio(m.cold, base.cold),
      `${m.warm.toFixed(1)} ms`,
      ratio(m.warm, base.warm),
    ];
  });
  const markdown = markdownTable(
    ['Worker', 'module load → first result (median)', 'ratio', 'next request (warm, median)', 'ratio'],
    rows,
  );
  return { ms, markdown };
}

export async function measureRoundTrips(
  targets: readonly WorkerTarget[],
  proxy: NeonProxy,
): Promise<{ counts: Record<string, Record<string, number>>; markdown: string }> {
  const counts: Record<string, Record<string, number>> = {};
  for (const target of targets) {
    const mf = miniflare(target, proxy);
    try {
      await call(mf, 'count'); // warm: module loaded, nothing lazy left
      const perOp: Record<string, number> = {};
      for (const op of OPS) {
        let id = 1;
        if (op === 'delete by id') {
          const row = (await call(mf, 'insert returning')) as { id?: number } | undefined;
          id = Number(row?.id ?? 1);
        }
        const before = proxy.stats.httpRequests;
        await call(mf, op, id);
        perOp[op] = proxy.stats.httpRequests - before;
      }
      counts[target.bundled.entry.name] = perOp;
    } finally {
      await mf.dispose();
    }
  }
  const names = targets.map((t) => t.bundled.entry.name);
  const rows = OPS.map((op) => [op, ...names.map((n) => String(counts[n]?.[op] ?? 'n/a'))]);
  return { counts, markdown: markdownTable(['operation', ...names], rows) };
}
