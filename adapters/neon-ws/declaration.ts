/**
 * What the neon-ws adapter module states about itself: its URL schemes and what it can do. Loads
 * no driver, so the catalogue of shipped adapters can carry it.
 */
import type { RegisteredAdapter } from '../../src/engine/resolve.js';
import { SERVER_SESSION_CAPABILITIES } from '../kit/pg-like.js';

export const NEON_WS: Required<RegisteredAdapter> = Object.freeze({
  name: 'neon-ws',
  schemes: Object.freeze(['postgresql+neon-ws', 'postgres+neon-ws']),
  capabilities: SERVER_SESSION_CAPABILITIES,
});
