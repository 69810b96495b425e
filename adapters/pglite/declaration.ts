/**
 * What the pglite adapter module states about itself: its URL scheme and what it can do. Loads no
 * driver, so the catalogue of shipped adapters can carry it.
 */
import type { RegisteredAdapter } from '../../src/engine/resolve.js';

export const PGLITE: Required<RegisteredAdapter> = Object.freeze({
  name: 'pglite',
  schemes: Object.freeze(['pglite']),
  capabilities: Object.freeze({
    sessions: true,
    transactions: true,
    savepoints: true,
    cursors: true,
    nativeBatch: false,
    // Single-threaded WebAssembly: statement_timeout never interrupts a running statement.
    timeouts: false,
    // COPY FROM a Blob, held whole in memory: a few MiB of text per statement (bench/heavy.ts).
    copy: true,
    copyChunkChars: 4 * 1024 * 1024,
  }),
});
