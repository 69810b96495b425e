/** The shared suite on embedded PGlite (`pglite://memory`), one instance for the whole file. */
import { PGlite } from '@electric-sql/pglite';
import { pglite } from '../../adapters/pglite/index.js';
import { runSharedSuite } from '../suite/index.js';

let instance: PGlite | undefined;

runSharedSuite({
  name: 'pglite',
  bind: async () => {
    instance ??= await PGlite.create();
    return { bind: pglite(instance) };
  },
  // One connection: sessions cannot overlap. timeout(ms) is refused (capability `timeouts`): checked on
  // PGlite 0.5, `SET LOCAL statement_timeout = 100` then `SELECT pg_sleep(1)` completes after 1 s.
  concurrentSessions: false,
  skip: {},
  teardown: async () => {
    await instance?.close();
  },
});
