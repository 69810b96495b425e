/**
 * The example Worker's own tests, run inside workerd by @cloudflare/vitest-pool-workers, the way
 * Workers projects test (Node ≥ 22): `npx vitest run --config examples/cloudflare-worker/vitest.config.ts`
 * with DATABASE_URL set. gino-edge's suite runs them from the packed package
 * (test/runtimes/vitest-pool-workers.test.ts).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

// pg's CommonJS code requires two packages whose other builds the pool's module loader picks
// wrongly: pg-protocol's ESM build (ES syntax in a .js file of a CommonJS package), and
// pg-cloudflare's empty non-workerd build. Both are pointed at the builds pg requires in workerd;
// wrangler and esbuild bundles need none of this.
const fromPg = createRequire(createRequire(import.meta.url).resolve('pg'));
const pgCloudflare = join(dirname(fromPg.resolve('pg-cloudflare/package.json')), 'dist', 'index.js');

export default defineConfig({
  plugins: [
    cloudflareTest({
      main: './src/index.ts',
      miniflare: {
        compatibilityDate: '2026-04-01',
        compatibilityFlags: ['nodejs_compat'],
        bindings: {
          DATABASE_URL: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
          DATABASE_OPTIONS: process.env.DATABASE_OPTIONS ?? '{}',
        },
      },
    }),
  ],
  resolve: {
    alias: [
      { find: /^pg-protocol$/, replacement: fromPg.resolve('pg-protocol') },
      { find: /^pg-cloudflare$/, replacement: pgCloudflare },
    ],
  },
  test: { include: ['test/**/*.spec.ts'], root: import.meta.dirname },
});
