/** The shared suite on embedded PGlite (`pglite://memory`), one instance for the whole file. */
import { PGlite } from '@electric-sql/pglite';
import { pglite } from '../../adapters/pglite/index.js';
import { runSharedSuite } from '../suite/index.js';

let instance: PGlite | undefined;

/** Checked on PGlite 0.5: `SET LOCAL statement_timeout = 100` then `SELECT pg_sleep(1)` completes after 1 s. */
const NO_TIMEOUTS =
  'PGlite runs single-threaded in WebAssembly without timer interrupts, so statement_timeout never cancels a statement';

runSharedSuite({
  name: 'pglite',
  bind: async () => {
    instance ??= await PGlite.create();
    return { bind: pglite(instance) };
  },
  skip: {
    'timeout(ms) cancels a slow statement on the server; the engine works afterwards': NO_TIMEOUTS,
    'timeout inside a transaction: the statement alone is undone, the earlier limit restored': NO_TIMEOUTS,
    'timeout inside acquire(): same connection before and after, no limit left behind': NO_TIMEOUTS,
  },
  teardown: async () => {
    await instance?.close();
  },
});
