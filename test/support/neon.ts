/** The Neon adapters under test go through the local proxy, in front of the run's server. */
import { inject } from 'vitest';
import { type NeonProxy, startNeonProxy } from '../../src/dev/index.js';

/** The run's database URL with a Neon scheme (`postgresql+neon-ws://...`). */
export function neonUrl(adapter: 'neon-ws' | 'neon-http', url: string = inject('databaseUrl')): string {
  return url.replace(/^[a-z0-9+.-]+:\/\//i, `postgresql+${adapter}://`);
}

/** A proxy to the run's server; one per test file, closed by the caller. */
export function proxyForRun(): Promise<NeonProxy> {
  return startNeonProxy({ target: inject('databaseUrl') });
}
