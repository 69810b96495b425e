/**
 * Adapter modules of the tests' own, registered as a real one registers (`registerAdapter` with
 * its URL schemes and capabilities, when imported): each is a real PGlite reporting the
 * capabilities it was registered with. `calls` records what reached the adapter, so a test can
 * show that a refusal came before any I/O.
 */
import { PGlite } from '@electric-sql/pglite';
import { pglite } from '../../adapters/pglite/index.js';
import type { Adapter, BatchOptions, Capabilities, DriverQuery, DriverResult } from '../../src/index.js';
import { registerAdapter } from '../../src/index.js';

export const calls: string[] = [];

const instances: PGlite[] = [];

/** A real PGlite adapter reporting `capabilities`; `batch` runs in one transaction on its session. */
function reduced(name: string, capabilities: Capabilities, instance: PGlite): Adapter {
  const real = pglite(instance);
  const connect = real.connect?.bind(real) as NonNullable<Adapter['connect']>;
  const adapter: Adapter = {
    name,
    capabilities,
    query: (q: DriverQuery) => {
      calls.push('query');
      return real.query(q);
    },
    close: () => real.close(),
  };
  if (capabilities.sessions) {
    adapter.connect = () => {
      calls.push('connect');
      return connect();
    };
  }
  if (capabilities.nativeBatch) {
    adapter.batch = async (queries: readonly DriverQuery[], _options: BatchOptions) => {
      calls.push('batch');
      const session = await connect();
      try {
        await session.query({ sql: 'BEGIN', params: [] });
        const out: DriverResult[] = [];
        for (const q of queries) out.push(await session.query(q));
        await session.query({ sql: 'COMMIT', params: [] });
        return out;
      } catch (error) {
        await session.query({ sql: 'ROLLBACK', params: [] }).catch(() => undefined);
        throw error;
      } finally {
        await session.release();
      }
    };
  }
  return adapter;
}

function register(name: string, schemes: string[], capabilities: Capabilities): void {
  registerAdapter(
    name,
    async () => {
      const instance = await PGlite.create();
      instances.push(instance);
      return reduced(name, capabilities, instance);
    },
    { schemes, capabilities },
  );
}

/** Sessions and transactions, but no savepoints, cursors, batches or timeouts. */
export const FLAT: Capabilities = Object.freeze({
  sessions: true,
  transactions: true,
  savepoints: false,
  cursors: false,
  nativeBatch: false,
  timeouts: false,
});
register('test-flat', ['test-flat', 'postgresql+test-flat'], FLAT);

/** Cursors without transactions: it makes the registered list of adapters with cursors longer. */
export const CURSORS_ONLY: Capabilities = Object.freeze({
  sessions: true,
  transactions: false,
  savepoints: false,
  cursors: true,
  nativeBatch: false,
  timeouts: false,
});
register('test-cursors', ['test-cursors'], CURSORS_ONLY);

/** Neither sessions nor a native batch: nothing to offer instead of a transaction. */
export const BARE: Capabilities = Object.freeze({
  sessions: false,
  transactions: false,
  savepoints: false,
  cursors: false,
  nativeBatch: false,
  timeouts: false,
});
register('test-bare', ['test-bare'], BARE);

/** Everything, and timeouts stated to go through its native batch although it has transactions. */
export const BATCHED_TIMEOUTS: Capabilities = Object.freeze({
  sessions: true,
  transactions: true,
  savepoints: true,
  cursors: true,
  nativeBatch: true,
  timeouts: true,
  timeoutVia: 'batch',
});
register('test-batched', ['test-batched'], BATCHED_TIMEOUTS);

export async function closeInstances(): Promise<void> {
  await Promise.all(instances.splice(0).map((i) => i.close()));
}
