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
  skip: {},
  teardown: async () => {
    await instance?.close();
  },
});
