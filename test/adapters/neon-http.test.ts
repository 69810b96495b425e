/**
 * The shared suite on neon-http (one HTTP request per statement), through the local Neon proxy in
 * front of the run's server. Nothing is skipped: where a test needs a session (transactions,
 * savepoints, cursors, db.acquire), the suite asserts the UnsupportedError neon-http gives instead,
 * before any I/O (see withCapability in suite/harness.ts).
 */
import type { NeonProxy } from '../../src/dev/index.js';
import { runSharedSuite } from '../suite/index.js';
import { neonUrl, proxyForRun } from '../support/neon.js';

let proxy: NeonProxy | undefined;

runSharedSuite({
  name: 'neon-http',
  bind: async () => {
    proxy ??= await proxyForRun();
    return { bind: neonUrl('neon-http'), options: { ...proxy.neonOptions } };
  },
  skip: {},
  teardown: async () => {
    await proxy?.close();
  },
});
