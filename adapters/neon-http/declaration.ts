/**
 * What the neon-http adapter module states about itself: its URL schemes and what it can do.
 * Loads nothing, so the catalogue of shipped adapters can carry it.
 */
import type { RegisteredAdapter } from '../../src/engine/resolve.js';

export const NEON_HTTP: Required<RegisteredAdapter> = Object.freeze({
  name: 'neon-http',
  schemes: Object.freeze(['postgresql+neon-http', 'postgres+neon-http']),
  capabilities: Object.freeze({
    // One HTTP request per statement: no connection to hold.
    sessions: false,
    transactions: false,
    savepoints: false,
    cursors: false,
    // db.batch is one request, Neon's non-interactive transaction.
    nativeBatch: true,
    timeouts: true,
    // With no session, SET LOCAL statement_timeout goes with the statement in one batch.
    timeoutVia: 'batch',
    // Neon's HTTP endpoint takes statements with parameters, never a COPY data stream.
    copy: false,
  }),
});
