/**
 * The shared suite on neon-http (one HTTP request per statement), through the local Neon proxy in
 * front of the run's server. Nothing is skipped on a real server (on the PGlite fallback, the timeout test is: PGlite cannot cancel a statement); where a test needs a session (transactions,
 * savepoints, cursors, db.acquire), the suite asserts the UnsupportedError neon-http gives instead,
 * before any I/O (see withCapability in suite/harness.ts).
 */
import { inject } from 'vitest';
import type { NeonProxy } from '../../src/dev/index.js';
import { runSharedSuite } from '../suite/index.js';
import { neonUrl, proxyForRun } from '../support/neon.js';
import { serverOnlySkips, TIMEOUT_TESTS } from '../support/server.js';

let proxy: NeonProxy | undefined;

runSharedSuite({
  name: 'neon-http',
  bind: async () => {
    proxy ??= await proxyForRun();
    return { bind: neonUrl('neon-http'), options: { ...proxy.neonOptions } };
  },
  skip: serverOnlySkips(inject('databaseKind'), [TIMEOUT_TESTS[0]]),
  teardown: async () => {
    await proxy?.close();
  },
});
