/**
 * URL → adapter (the README's table of URLs). Each adapter module registers itself when imported:
 * its name, its factory, the URL schemes it serves and its capabilities. The core knows no adapter
 * by name: a scheme no module has registered yet is looked up in the catalogue of the adapters
 * gino-edge ships (`adapters/kit/catalogue.ts`, which states each one's schemes and capabilities
 * without loading any driver) and its module loaded on demand, where the runtime can import
 * modules (Node, Deno). Bundled code (Workers, browsers) imports the adapter modules it uses once,
 * at module scope; each of them brings the catalogue along.
 */
import { InvalidRequestError } from '../errors.js';
import type { Adapter, Capabilities } from './adapter.js';

export type AdapterFactory = (url: string, options: Record<string, unknown>) => Adapter | Promise<Adapter>;

/** What an adapter module states about itself besides its factory. */
export interface AdapterDeclaration {
  /** The URL schemes it serves, without `://` (`postgresql+pg`). */
  readonly schemes?: readonly string[];
  /** What its adapters can do: way-out messages name the registered adapters that can. */
  readonly capabilities?: Capabilities;
}

/** A registered adapter module, by name, in the order the modules registered. */
export interface RegisteredAdapter extends AdapterDeclaration {
  readonly name: string;
}

const factories = new Map<string, AdapterFactory>();
const declared = new Map<string, RegisteredAdapter>();
/** URL scheme → adapter name. */
const schemes = new Map<string, string>();

// Relative to this file in src/ and in dist/src/ alike; computed so bundlers do not follow them.
const MODULE_PATH = (name: string): string => ['..', '..', 'adapters', name, 'index.js'].join('/');
const CATALOGUE_PATH = ['..', '..', 'adapters', 'kit', 'catalogue.js'].join('/');

/**
 * Record what an adapter states (its schemes, its capabilities) without a factory: the catalogue
 * of shipped adapters does, so that a URL finds the module to load and way-out messages can name
 * adapters not loaded yet. It only fills in: what a module registered itself stays.
 */
export function declareAdapter(name: string, declaration: AdapterDeclaration): void {
  const before = declared.get(name);
  declared.set(name, {
    name,
    schemes: before?.schemes ?? declaration.schemes,
    capabilities: before?.capabilities ?? declaration.capabilities,
  });
  for (const scheme of declaration.schemes ?? []) {
    if (!schemes.has(scheme.toLowerCase())) schemes.set(scheme.toLowerCase(), name);
  }
}

/**
 * Called by each adapter module when imported: `registerAdapter('pg', factory, { schemes,
 * capabilities })`. Registering a name again replaces its factory and what it states; a scheme
 * another adapter served before is this one's from then on.
 */
export function registerAdapter(name: string, factory: AdapterFactory, declaration: AdapterDeclaration = {}): void {
  factories.set(name, factory);
  const before = declared.get(name);
  declared.set(name, {
    name,
    schemes: declaration.schemes ?? before?.schemes,
    capabilities: declaration.capabilities ?? before?.capabilities,
  });
  for (const scheme of declaration.schemes ?? []) schemes.set(scheme.toLowerCase(), name);
}

/** The adapters registered or declared so far, in that order. */
export function registeredAdapters(): readonly RegisteredAdapter[] {
  return [...declared.values()];
}

let catalogue: Promise<boolean> | undefined;

/** The catalogue of shipped adapters, loaded once where the runtime can; false where it cannot (a bundle). */
function loadCatalogue(): Promise<boolean> {
  catalogue ??= import(/* @vite-ignore */ CATALOGUE_PATH).then(
    () => true,
    () => false,
  );
  return catalogue;
}

/**
 * The adapter module a scheme names where no catalogue can be read (a bundle that imported no
 * adapter module): `postgresql+<name>` names `<name>`, a plain `postgresql://` or `postgres://`
 * the default PostgreSQL adapter (the README's table of URLs), any other scheme the module of its
 * own name. Only used to say which import is missing.
 */
function moduleNamed(scheme: string): string {
  const plus = scheme.indexOf('+');
  if (plus !== -1) return scheme.slice(plus + 1);
  return scheme === 'postgresql' || scheme === 'postgres' ? DEFAULT_POSTGRES_ADAPTER : scheme;
}

/** The adapter a plain `postgresql://` URL names. */
const DEFAULT_POSTGRES_ADAPTER = 'pg';

/** The known URL schemes, for messages. */
function knownSchemes(): string {
  if (schemes.size === 0) {
    return "none yet: no adapter module is loaded (import 'gino-edge/adapters/<name>' for the one you use)";
  }
  return [...schemes.keys()].map((s) => `${s}://`).join(', ');
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

function unknownScheme(scheme: string): InvalidRequestError {
  return new InvalidRequestError(`unknown database URL scheme '${scheme}://'; gino-edge knows ${knownSchemes()}`);
}

/** Build the adapter a URL names, loading its module when needed. */
export async function resolveAdapter(url: string, options: Record<string, unknown> = {}): Promise<Adapter> {
  const scheme = schemeOf(url);
  let name = schemes.get(scheme);
  if (name === undefined) {
    // The catalogue knows every shipped scheme; without it (a bundle), the scheme's own words.
    if (await loadCatalogue()) name = schemes.get(scheme);
    else name = moduleNamed(scheme);
    if (name === undefined) throw unknownScheme(scheme);
  }
  if (!factories.has(name)) {
    try {
      await import(/* @vite-ignore */ MODULE_PATH(name));
    } catch (error) {
      throw new InvalidRequestError(
        `could not load the ${name} adapter for ${scheme}:// (${(error as Error).message}); ` +
          `in bundled code (Workers, browsers) import 'gino-edge/adapters/${name}' once at module scope, ` +
          'and make sure its driver package is installed',
        { cause: error },
      );
    }
    if (!factories.has(name)) throw new InvalidRequestError(`the ${name} adapter module did not register itself`);
    // A module found by the scheme's own words serves it only if it says so.
    name = schemes.get(scheme);
    if (name === undefined) throw unknownScheme(scheme);
  }
  return (factories.get(name) as AdapterFactory)(url, options);
}
