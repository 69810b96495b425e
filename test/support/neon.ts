/** The Neon adapters under test go through the local proxy, in front of the run's server. */
import { inject } from 'vitest';
import { type NeonProxy, startNeonProxy } from '../../src/dev/index.js';

/**
 * The password Neon URLs carry when the run's URL has none: Neon (and so the proxy) refuses a
 * request without one, and the trust-auth test servers take any.
 */
export const NEON_TEST_PASSWORD = 'neon-dev';

/** `url` with a password: its own, or NEON_TEST_PASSWORD. */
export function withNeonPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '' || parsed.username === '') return url;
  return url.replace(/^([a-z0-9+.-]+:\/\/[^:@/]+)@/i, `$1:${NEON_TEST_PASSWORD}@`);
}

/**
 * `url` (the run's database URL by default) with a Neon scheme: `postgresql+neon-ws://...` or
 * `postgresql+neon-http://...` to pick a gino-edge adapter, or, for `'serverless'`, the plain
 * `postgresql://...` that Neon itself takes (`@neondatabase/serverless`, the
 * `Neon-Connection-String` header). User, host, database and parameters are kept; a URL without
 * a password gets NEON_TEST_PASSWORD, as Neon requires one.
 */
export function neonUrl(adapter: 'neon-ws' | 'neon-http' | 'serverless', url: string = inject('databaseUrl')): string {
  const scheme = adapter === 'serverless' ? 'postgresql' : `postgresql+${adapter}`;
  return withNeonPassword(url).replace(/^[a-z0-9+.-]+:\/\//i, `${scheme}://`);
}

/** A proxy to the run's server; one per test file, closed by the caller. */
export function proxyForRun(): Promise<NeonProxy> {
  return startNeonProxy({ target: inject('databaseUrl') });
}
