/** The shared suite on node-postgres, against the run's server (DATABASE_URL, local, or PGlite). */
import { inject } from 'vitest';
import { runSharedSuite } from '../suite/index.js';
import { serverOnlySkips, TIMEOUT_TESTS } from '../support/server.js';

runSharedSuite({
  name: 'pg',
  bind: async () => ({ bind: inject('databaseUrl') }),
  // PGlite behind a socket is still one backend: sessions there cannot overlap.
  concurrentSessions: inject('databaseKind') !== 'pglite',
  skip: serverOnlySkips(inject('databaseKind'), TIMEOUT_TESTS),
});
