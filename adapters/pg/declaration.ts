/**
 * What the pg adapter module states about itself: its URL schemes and what it can do. Loads no
 * driver, so the catalogue of shipped adapters can carry it.
 */
import type { RegisteredAdapter } from '../../src/engine/resolve.js';
import { SERVER_SESSION_CAPABILITIES } from '../kit/pg-like.js';

export const PG: Required<RegisteredAdapter> = Object.freeze({
  name: 'pg',
  schemes: Object.freeze(['postgresql', 'postgres', 'postgresql+pg', 'postgres+pg']),
  capabilities: SERVER_SESSION_CAPABILITIES,
});
