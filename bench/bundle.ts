/**
 * Bundle: each Worker bundled the same way (esbuild: bundle, minify, ESM, platform neutral,
 * conditions workerd/worker/browser), then gzipped. A library's share is its Worker minus the
 * baseline Worker of the raw driver it runs on.
 */
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { kb, markdownTable } from './stats.js';

export interface Entry {
  name: string;
  path: string;
  /** The Worker this one is measured against (its share = gzip − baseline's gzip). */
  baseline?: string;
  note?: string;
}

export interface Bundled {
  entry: Entry;
  code: string;
  minified: number;
  gzip: number;
  /** Minified bytes of gino-edge's own files (src/, adapters/) in the bundle. */
  ginoBytes: number;
}

export const DEFAULT_ENTRIES: Entry[] = [
  { name: 'empty', path: 'bench/workers/empty.ts', note: 'the handler alone, no database' },
  { name: 'neon() raw', path: 'bench/workers/raw.ts', baseline: 'empty', note: '@neondatabase/serverless `neon()`' },
  {
    name: 'gino-edge',
    path: 'bench/workers/gino.ts',
    baseline: 'empty',
    note: 'root + adapters/neon-http (its own HTTP client, no driver)',
  },
  { name: 'Drizzle', path: 'bench/workers/drizzle.ts', baseline: 'neon() raw', note: 'drizzle-orm/neon-http' },
  {
    name: 'Kysely',
    path: 'bench/workers/kysely.ts',
    baseline: 'neon() raw',
    note: 'Kysely + a 60-line neon() dialect',
  },
];

export async function bundle(entry: Entry): Promise<Bundled> {
  // Keep in step with workerBuildOptions in test/runtimes/support/bundle.ts (it adds only a node:* plugin,
  // a cloudflare:* external and workerd/worker/browser mainFields: the same output for DEFAULT_ENTRIES).
  const result = await build({
    entryPoints: [entry.path],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'error',
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error(`esbuild produced nothing for ${entry.path}`);
  const code = file.text;
  return {
    entry,
    code,
    minified: Buffer.byteLength(code),
    gzip: gzipSync(code, { level: 9 }).length,
    ginoBytes: ginoOwnBytes(result.metafile as Metafile),
  };
}

function ginoOwnBytes(meta: Metafile): number {
  let total = 0;
  for (const output of Object.values(meta.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      if (/^(src|adapters)\//.test(path)) total += input.bytesInOutput;
    }
  }
  return total;
}

export async function measureBundles(entries: readonly Entry[]): Promise<{ bundles: Bundled[]; markdown: string }> {
  const bundles: Bundled[] = [];
  for (const entry of entries) bundles.push(await bundle(entry));
  const byName = new Map(bundles.map((b) => [b.entry.name, b]));
  const rows = bundles.map((b) => {
    const base = b.entry.baseline ? byName.get(b.entry.baseline) : undefined;
    return [
      b.entry.name,
      kb(b.minified),
      kb(b.gzip),
      base ? `${kb(b.gzip - base.gzip)} (vs ${base.entry.name})` : '—',
      b.ginoBytes ? kb(b.ginoBytes) : '—',
      b.entry.note ?? '',
    ];
  });
  const markdown = markdownTable(
    ['Worker', 'minified', 'gzip (total)', 'gzip share', 'gino-edge files, minified', 'what it holds'],
    rows,
  );
  return { bundles, markdown };
}
