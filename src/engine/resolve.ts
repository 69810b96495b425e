/**
 * URL → adapter (the README's table of URLs). Adapter modules register their schemes when imported; an adapter not
 * yet imported is loaded on demand where the runtime can import modules (Node, Deno). Bundled
 * code (Workers, browsers) imports the adapter modules it uses once, at module scope.
 */
import { InvalidRequestError } from '../errors.js';
import type { Adapter } from './adapter.js';
import { runtimeImporter } from './runtime.js';

export type AdapterFactory = (url: string, options: Record<string, unknown>) => Adapter | Promise<Adapter>;

const registry = new Map<string, AdapterFactory>();

/** The adapter module for each URL scheme. */
export const SCHEMES: Readonly<Record<string, string>> = {
  postgresql: 'pg',
  postgres: 'pg',
  'postgresql+pg': 'pg',
  'postgres+pg': 'pg',
  'postgresql+neon-ws': 'neon-ws',
  'postgres+neon-ws': 'neon-ws',
  'postgresql+neon-http': 'neon-http',
  'postgres+neon-http': 'neon-http',
  pglite: 'pglite',
};

// Relative to src/engine/ (where the Node entry's importer is), in src/ and dist/src/ alike.
const MODULE_PATH = (name: string): string => ['..', '..', 'adapters', name, 'index.js'].join('/');

/** Called by each adapter module: `registerAdapter('pg', factory)`. */
export function registerAdapter(name: string, factory: AdapterFactory): void {
  registry.set(name, factory);
}

/** The scheme of a URL (`postgresql+neon-http`), or a clear error for a malformed one. */
export function schemeOf(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  if (!m) {
    // Not shown when it has no `scheme://` at all: it may be a secret put in the wrong variable.
    const shown = url.includes('://') ? `'${redact(url)}'` : 'the string given';
    throw new InvalidRequestError(
      `${shown} is not a database URL (no scheme://); expected e.g. postgresql://user@host/db, postgresql+neon-http://..., pglite://memory`,
    );
  }
  return (m[1] as string).toLowerCase();
}

/**
 * The URL with any password hidden, for messages. Malformed URLs are where it matters most, so it
 * does not trust the URL's syntax: everything between `user:` and the last `@` is hidden (a raw `/`
 * or `@` in a password included), and so is a `password=` query parameter.
 */
export function redact(url: string): string {
  let out = url;
  const start = out.indexOf('://');
  const at = out.lastIndexOf('@');
  if (start !== -1 && at > start) {
    const userinfo = out.slice(start + 3, at);
    const colon = userinfo.indexOf(':');
    if (colon !== -1) out = `${out.slice(0, start + 3 + colon + 1)}***${out.slice(at)}`;
  }
  return out.replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/** Build the adapter a URL names, loading its module when needed. */
export async function resolveAdapter(url: string, options: Record<string, unknown> = {}): Promise<Adapter> {
  const scheme = schemeOf(url);
  const name = SCHEMES[scheme];
  if (!name) {
    throw new InvalidRequestError(
      `unknown database URL scheme '${scheme}://'; gino-edge knows ${Object.keys(SCHEMES)
        .map((s) => `${s}://`)
        .join(', ')}`,
    );
  }
  let factory = registry.get(name);
  if (!factory) {
    try {
      const importer = runtimeImporter();
      if (!importer) throw new Error('this build loads no module on demand');
      await importer.module(MODULE_PATH(name));
    } catch (error) {
      throw new InvalidRequestError(
        `could not load the ${name} adapter for ${scheme}:// (${(error as Error).message}); ` +
          `in bundled code (Workers, browsers) import 'gino-edge/adapters/${name}' once at module scope, ` +
          'and make sure its driver package is installed',
        { cause: error },
      );
    }
    factory = registry.get(name);
    if (!factory) throw new InvalidRequestError(`the ${name} adapter module did not register itself`);
  }
  return factory(url, options);
}
