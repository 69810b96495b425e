/**
 * The shared suite on neon-ws (Neon's Client over WebSocket), through the local Neon proxy in
 * front of the run's server. Every capability is there: nothing is skipped.
 */

import { inject } from 'vitest';
import type { NeonProxy } from '../../src/dev/index.js';
import { runSharedSuite } from '../suite/index.js';
import { neonUrl, proxyForRun } from '../support/neon.js';
import { serverOnlySkips, TIMEOUT_TESTS } from '../support/server.js';

let proxy: NeonProxy | undefined;

runSharedSuite({
  name: 'neon-ws',
  bind: async () => {
    proxy ??= await proxyForRun();
    return { bind: neonUrl('neon-ws'), options: { ...proxy.neonOptions } };
  },
  // A Client per session: sessions overlap, unless the server behind the proxy is PGlite (one backend).
  concurrentSessions: inject('databaseKind') !== 'pglite',
  skip: serverOnlySkips(inject('databaseKind'), TIMEOUT_TESTS),
  teardown: async () => {
    await proxy?.close();
  },
});
