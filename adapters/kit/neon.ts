/**
 * What both Neon adapters share: the names of Neon's settings (each adapter takes its own and
 * ignores the other's, so one spread of options serves both) and the reading of a Neon URL.
 */
import { redact } from '../../src/engine/resolve.js';
import { ConnectionError } from '../../src/errors.js';

/** Neon settings that configure its WebSocket client (a client's own `neonConfig`). */
export const NEON_WS_SETTINGS: ReadonlySet<string> = new Set([
  'webSocketConstructor',
  'wsProxy',
  'useSecureWebSocket',
  'pipelineConnect',
  'pipelineTLS',
  'coalesceWrites',
  'forceDisablePgSSL',
  'subtls',
  'rootCerts',
  'disableSNI',
  'disableWarningInBrowsers',
]);

/** The options of Neon's HTTP mode that neon-http takes (a neon-ws binding ignores them). */
export const NEON_HTTP_SETTINGS: ReadonlySet<string> = new Set([
  'fetchEndpoint',
  'fetchFunction',
  'fetchOptions',
  'authToken',
  'timeoutMs',
]);

/** A Neon URL as PostgreSQL knows it: `postgresql://`, its host and port, and whether it has a password. */
export interface NeonUrl {
  readonly connectionString: string;
  readonly host: string;
  readonly port: string;
  readonly hasPassword: boolean;
}

/** The schemes each adapter reads as `postgresql://`. */
const NEON_SCHEME = {
  'neon-http': /^postgres(ql)?(\+neon-http)?:\/\//i,
  'neon-ws': /^postgres(ql)?(\+neon-ws)?:\/\//i,
} as const;

/**
 * `url` with `password` when it has none of its own (a password in the URL wins), for a
 * `{ password }` option: a connection string's parse would otherwise override the option with
 * its missing password. The dev proxy's `neonOptions` carry one for its trust-auth targets.
 */
export function withPassword(url: string, password: unknown): string {
  if (typeof password !== 'string') return url;
  return url.replace(/^([a-z0-9+.-]+:\/\/[^:@/]+)@/i, `$1:${encodeURIComponent(password)}@`);
}

/**
 * The connection string as a header value: Neon takes visible ASCII only (and a browser's fetch
 * refuses anything outside Latin-1), so every other character is percent-encoded as UTF-8, which
 * Neon decodes from the user, password and database name.
 */
function headerSafe(connectionString: string, url: string): string {
  try {
    return connectionString.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c));
  } catch {
    throw new ConnectionError(`'${redact(url)}' has a character that is not valid Unicode (a lone surrogate)`);
  }
}

/**
 * Read a `postgresql+neon-http://` / `postgresql+neon-ws://` URL (or a plain `postgresql://` one),
 * checked before any connection: a user and a host, and a database where the adapter needs one
 * (neon-http names it in every request). A ConnectionError, password hidden, otherwise.
 */
export function parseNeonUrl(url: string, adapter: 'neon-http' | 'neon-ws' = 'neon-http'): NeonUrl {
  const example = `postgresql+${adapter}://user:password@host/db`;
  const plain = url.replace(NEON_SCHEME[adapter], 'postgresql://');
  // neon-http sends it as a header (Neon-Connection-String); neon-ws hands it to the driver.
  const connectionString = adapter === 'neon-http' ? headerSafe(plain, url) : plain;
  let parsed: URL;
  try {
    parsed = new URL(connectionString);
  } catch {
    throw new ConnectionError(`'${redact(url)}' is not a valid URL; expected ${example}`);
  }
  if (!/^postgres(ql)?:$/.test(parsed.protocol))
    throw new ConnectionError(`'${redact(url)}' is not a postgresql:// URL`);
  const needsDatabase = adapter === 'neon-http';
  if (parsed.hostname === '' || parsed.username === '' || (needsDatabase && parsed.pathname.length <= 1)) {
    const parts = needsDatabase ? 'a user, a host and a database' : 'a user and a host';
    throw new ConnectionError(`'${redact(url)}' needs ${parts}: ${example} (no environment defaults on the edge)`);
  }
  return { connectionString, host: parsed.hostname, port: parsed.port, hasPassword: parsed.password !== '' };
}
