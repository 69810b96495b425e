/** The Neon adapters under test go through the local proxy, in front of the run's server. */
import { inject } from 'vitest';
import { type NeonProxy, startNeonProxy } from '../../src/dev/index.js';

/**
 * `url` (the run's database URL by default) with a Neon scheme: `postgresql+neon-ws://...` or
 * `postgresql+neon-http://...` to pick a gino-edge adapter, or, for `'serverless'`, the plain
 * `postgresql://...` that Neon itself takes (`@neondatabase/serverless`, the
 * `Neon-Connection-String` header). Only the scheme changes: user, password, host, database and
 * parameters are kept.
 */
export function neonUrl(adapter: 'neon-ws' | 'neon-http' | 'serverless', url: string = inject('databaseUrl')): string {
  const scheme = adapter === 'serverless' ? 'postgresql' : `postgresql+${adapter}`;
  return url.replace(/^[a-z0-9+.-]+:\/\//i, `${scheme}://`);
}

/** A proxy to the run's server; one per test file, closed by the caller. */
export function proxyForRun(): Promise<NeonProxy> {
  return startNeonProxy({ target: inject('databaseUrl') });
}
