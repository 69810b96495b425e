/**
 * Neon's CORS rules in a real browser: headless Chromium runs `db.batch(..., { deferrable: true })`
 * over neon-http against the local proxy, whose preflight answers with Neon's fixed header list.
 * neon-http sends `deferrable` as a statement, since `Neon-Batch-Deferrable` is not in that list:
 * a request carrying it fails in the browser ("Failed to fetch"), on Neon as here.
 */
import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { type NeonProxy, startNeonProxy } from '../../src/dev/index.js';
import { neonUrl } from '../support/neon.js';
import { type Bundle, browserBuildOptions, bundle } from './support/bundle.js';
import { findChromium, openHeadless } from './support/chromium.js';
import { ROOT } from './support/package.js';

const chromium = findChromium();
let page: Bundle;
let server: Server;
let origin: string;
let proxy: NeonProxy;
let report: (value: Record<string, unknown>) => void = () => {};
const results = new Promise<Record<string, unknown>>((resolve) => {
  report = resolve;
});

beforeAll(async () => {
  const out = join(ROOT, '.tmp', 'browser-neon-cors');
  await mkdir(out, { recursive: true });
  page = await bundle(
    browserBuildOptions(join(ROOT, 'test/runtimes/fixtures/browser-neon-cors-page.ts'), join(out, 'page.js'), false),
  );
  let config = '';
  server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method === 'POST' && path === '/results') {
      let body = '';
      for await (const chunk of req) body += chunk;
      res.end('ok');
      report(JSON.parse(body));
      return;
    }
    const types: Record<string, [string, string]> = {
      '/': ['text/html', '<!doctype html><script type="module" src="/page.js"></script>'],
      '/page.js': ['text/javascript', page.code],
      '/config.json': ['application/json', config],
    };
    const found = types[path];
    res.writeHead(found ? 200 : 404, found ? { 'content-type': found[0] } : {});
    res.end(found?.[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy = await startNeonProxy({ target: inject('databaseUrl'), allowOrigins: [origin] });
  const { webSocketConstructor: _node, ...options } = proxy.neonOptions;
  config = JSON.stringify({ url: neonUrl('neon-http'), options, connectionString: neonUrl('serverless') });
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await new Promise((resolve) => server?.close(resolve));
});

test("headless Chromium: db.batch with deferrable: true passes Neon's CORS rules; the deferrable header does not", async (ctx) => {
  if (!chromium.path) {
    console.warn(`[browser] skipped: ${chromium.reason}`);
    return ctx.skip(chromium.reason);
  }
  expect(page.warnings).toEqual([]);
  const browser = await openHeadless(chromium.path, `${origin}/`);
  try {
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`no results from the page in 30 s; chromium said:\n${browser.output()}`)),
        30_000,
      ),
    );
    const out = await Promise.race([results, timeout]);
    expect(out.uncaught).toBeUndefined();
    expect(out.batch).toEqual(['serializable', 'on', 'on']);
    expect(out.deferrableHeader).toBe('TypeError: Failed to fetch');
  } finally {
    await browser.close();
  }
}, 60_000);
