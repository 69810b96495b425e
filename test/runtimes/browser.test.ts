/**
 * gino-edge in the browser: the installed package bundled with esbuild for `platform: 'browser'`
 * (no Node built-ins may be needed), and CRUD in headless Chromium against PGlite in the page
 * (its wasm and data files served next to the bundle). Extra bindings, such as neon-http through
 * the local proxy, are one more entry in SOURCES plus their adapter import in the page.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { type BindingSource, neonBinding, type RuntimeBinding, startBindings } from './support/bindings.js';
import { type Bundle, browserBuildOptions, bundle, kib } from './support/bundle.js';
import { findChromium, openHeadless } from './support/chromium.js';
import { packedProject, ROOT } from './support/package.js';

/** Bindings the page reaches besides PGlite in the page; e.g. neonBinding('neon-http'). */
const SOURCES: readonly BindingSource[] = [neonBinding('neon-http', { allowOrigins: '*' })];

const PGLITE_DIST = join(ROOT, 'node_modules/@electric-sql/pglite/dist');
const PGLITE_ASSETS = ['pglite.wasm', 'pglite.data', 'initdb.wasm'];
/** An `import`/`export ... from`, dynamic import or require of a Node built-in, in bundled code. */
const NODE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\s*)["']node:/;

const chromium = findChromium();
const bundles: Record<string, Bundle> = {};
let bindings: RuntimeBinding[] = [];
let dataDir: string;

/**
 * A fresh PGlite data directory (initdb done), made in Node once per PGlite version: the page
 * loads it instead of running initdb, which in a headless browser here takes many seconds.
 */
async function pgliteDataDir(): Promise<string> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { version } = JSON.parse(await readFile(join(PGLITE_DIST, '../package.json'), 'utf8')) as { version: string };
  const file = join(ROOT, '.tmp', `pglite-${version}-datadir.tar.gz`);
  if (existsSync(file)) return file;
  const db = new PGlite();
  await db.waitReady;
  await db.query('SELECT 1');
  const dump = await db.dumpDataDir('gzip');
  await db.close();
  await writeFile(`${file}.part`, Buffer.from(await dump.arrayBuffer()));
  await rename(`${file}.part`, file);
  return file;
}
let closeBindings = async () => {};

beforeAll(async () => {
  const project = await packedProject();
  const dir = join(project.dir, 'browser');
  await mkdir(dir, { recursive: true });
  await cp(join(ROOT, 'test/runtimes/fixtures/browser-page.ts'), join(dir, 'page.ts'));
  await writeFile(join(dir, 'core.ts'), "export * from 'gino-edge';\n");
  await writeFile(
    join(dir, 'core-pglite.ts'),
    "export * from 'gino-edge';\nexport * from 'gino-edge/adapters/pglite';\n",
  );
  bundles.core = await bundle(browserBuildOptions(join(dir, 'core.ts'), join(dir, 'out', 'core.js')));
  // The adapter without its driver: what gino-edge adds on top of PGlite.
  bundles['core-pglite'] = await bundle({
    ...browserBuildOptions(join(dir, 'core-pglite.ts'), join(dir, 'out', 'core-pglite.js')),
    external: ['@electric-sql/pglite'],
  });
  // PGlite's Emscripten code has an `import('node:module')` it runs only under Node: its users
  // leave node:* to the runtime, and so does the page.
  bundles.page = await bundle({
    ...browserBuildOptions(join(dir, 'page.ts'), join(dir, 'out', 'page.js')),
    external: ['node:*'],
  });
  ({ bindings, close: closeBindings } = await startBindings(SOURCES, inject('databaseUrl')));
  if (chromium.path) dataDir = await pgliteDataDir();
}, 120_000);

afterAll(async () => {
  await closeBindings();
});

describe('browser bundles of the installed package', () => {
  test.for(['core', 'core-pglite'])('%s: no bundler warnings, no Node built-in anywhere', (name) => {
    const b = bundles[name] as Bundle;
    expect(b.warnings).toEqual([]);
    expect(b.nodeImports).toEqual([]);
    expect(b.code).not.toMatch(NODE_IMPORT);
  });

  test("the page (gino-edge + PGlite): the only Node built-ins are PGlite's own", () => {
    const page = bundles.page as Bundle;
    expect(page.warnings).toEqual([]);
    const importers = Object.entries(page.metafile.inputs)
      .filter(([, input]) => input.imports.some((i) => i.path.startsWith('node:')))
      .map(([file]) => file);
    expect(importers.length).toBeGreaterThan(0);
    expect(importers.filter((file) => !file.includes('node_modules/@electric-sql/pglite/'))).toEqual([]);
  });

  test('sizes (minified, gzipped)', () => {
    const line = (label: string, b: Bundle) => `${label}: ${kib(b.bytes)} minified, ${kib(b.gzipBytes)} gzipped`;
    console.log(
      [
        `[browser bundle] ${line('gino-edge (everything the root exports)', bundles.core as Bundle)}`,
        `[browser bundle] ${line('gino-edge + adapters/pglite, PGlite external', bundles['core-pglite'] as Bundle)}`,
        `[browser bundle] ${line('test page: gino-edge + adapters/pglite + PGlite JS (wasm/data served apart)', bundles.page as Bundle)}`,
      ].join('\n'),
    );
    expect((bundles.core as Bundle).gzipBytes).toBeLessThan(100 * 1024);
  });
});

/** Serves the page, its bundle and PGlite's files; resolves with what the page POSTs. */
async function servePage(): Promise<{ server: Server; url: string; results: Promise<Record<string, unknown>> }> {
  const page = bundles.page as Bundle;
  const config = JSON.stringify(bindings.map(({ name, url, options }) => ({ name, url, options })));
  let report: (value: Record<string, unknown>) => void = () => {};
  const results = new Promise<Record<string, unknown>>((resolve) => {
    report = resolve;
  });
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method === 'POST' && path === '/results') {
      let body = '';
      for await (const chunk of req) body += chunk;
      res.end('ok');
      report(JSON.parse(body));
      return;
    }
    const send = (type: string, data: string | Buffer) => {
      res.writeHead(200, { 'content-type': type });
      res.end(data);
    };
    if (path === '/') return send('text/html', '<!doctype html><script type="module" src="/page.js"></script>');
    if (path === '/page.js') return send('text/javascript', page.code);
    if (path === '/config.json') return send('application/json', config);
    if (path === '/pgdata.tar.gz') return send('application/gzip', await readFile(dataDir));
    const asset = PGLITE_ASSETS.find((a) => path === `/${a}`);
    if (asset)
      return send(
        asset.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream',
        await readFile(join(PGLITE_DIST, asset)),
      );
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, results };
}

describe('headless Chromium', () => {
  test('CRUD against PGlite in the page (and each extra binding); no AsyncLocalStorage there', async (ctx) => {
    if (!chromium.path) {
      console.warn(`[browser] skipped: ${chromium.reason}`);
      return ctx.skip(chromium.reason);
    }
    const { server, url, results } = await servePage();
    const browser = await openHeadless(chromium.path, url);
    try {
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`no results from the page in 60 s; chromium said:\n${browser.output()}`)),
          60_000,
        ),
      );
      const out = await Promise.race([results, timeout]);
      console.log(`[browser] PGlite ready in the page in ${Math.round(out.ready as number)} ms`);
      expect(out.uncaught).toBeUndefined();
      delete out.ready;
      expect(out.runtime).toEqual({
        scope: { name: 'UnsupportedError', unsupported: true },
        global: 42,
        withBind: 1,
        stillOpen: 2,
      });
      for (const name of ['pglite', ...bindings.map((b) => b.name)]) {
        expect(out[name], name).toEqual({
          created: [1, 'noname'],
          got: { id: 1, nickname: 'Founding Member daisy' },
          all: ['Founding Member daisy', 'noname'],
          count: 2,
          status: 'UPDATE 1',
          deleted: 'DELETE 1',
          after: 1,
        });
      }
    } finally {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 90_000);
});
