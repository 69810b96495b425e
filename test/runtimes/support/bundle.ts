/**
 * esbuild set-ups as users get them: a Worker bundled the way wrangler does it (workerd
 * conditions, node:* left to the runtime under nodejs_compat), and a browser bundle.
 */
import { builtinModules } from 'node:module';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build, type Metafile, type Plugin } from 'esbuild';

const BUILTIN = new RegExp(`^(node:)?(${builtinModules.filter((m) => !m.startsWith('_')).join('|')})(/.*)?$`);
const REQUIRED_BUILTIN = 'required-node-builtin';

/**
 * What wrangler does for `nodejs_compat`: Node built-ins stay imports of `node:*` for workerd to
 * provide, and a CommonJS `require('events')` (pg is CommonJS) becomes such an import, since an
 * ES module bundle has no `require`.
 */
function nodeBuiltinsForWorkerd(): Plugin {
  return {
    name: 'node-builtins-for-workerd',
    setup(b) {
      b.onResolve({ filter: BUILTIN }, (args) => {
        const path = args.path.startsWith('node:') ? args.path : `node:${args.path}`;
        if (args.kind === 'require-call') return { path, namespace: REQUIRED_BUILTIN };
        return { path, external: true };
      });
      b.onLoad({ filter: /.*/, namespace: REQUIRED_BUILTIN }, (args) => ({
        contents: `import lib from '${args.path}';\nmodule.exports = lib;`,
        loader: 'js',
      }));
    },
  };
}

/** The options wrangler would use for a Worker with `nodejs_compat`. */
export function workerBuildOptions(entry: string, outfile: string, minify = true): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['workerd', 'worker', 'browser', 'module', 'main'],
    external: ['cloudflare:*'],
    plugins: [nodeBuiltinsForWorkerd()],
    minify,
    metafile: true,
    logLevel: 'silent',
  };
}

/** A browser bundle: no Node built-ins may be needed. */
export function browserBuildOptions(entry: string, outfile: string, minify = true): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify,
    metafile: true,
    logLevel: 'silent',
  };
}

export interface Bundle {
  outfile: string;
  code: string;
  bytes: number;
  gzipBytes: number;
  warnings: string[];
  metafile: Metafile;
  /** `node:*` (and bare built-in) modules the output still imports. */
  nodeImports: string[];
}

/** Build; bundler errors throw, with their messages. */
export async function bundle(options: BuildOptions): Promise<Bundle> {
  const result = await build({ ...options, write: true });
  const outfile = options.outfile as string;
  const { readFile } = await import('node:fs/promises');
  const code = await readFile(outfile, 'utf8');
  const metafile = result.metafile as Metafile;
  const output = Object.values(metafile.outputs)[0];
  const nodeImports = [
    ...new Set((output?.imports ?? []).filter((i) => i.external && BUILTIN.test(i.path)).map((i) => i.path)),
  ].sort();
  return {
    outfile,
    code,
    bytes: Buffer.byteLength(code),
    gzipBytes: gzipSync(code).length,
    warnings: result.warnings.map((w) => w.text),
    metafile,
    nodeImports,
  };
}

export function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}
