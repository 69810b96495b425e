/**
 * The adapters gino-edge ships, as their modules declare them (URL schemes, capabilities), without
 * loading any of them or their drivers. Imported by every shipped adapter module, and loaded by
 * the core for a URL no module has registered yet: it is how `postgresql+neon-http://` finds its
 * module on demand, and how a refusal can name the adapters that have what the bound one lacks.
 * Listed in the order way-out messages name them.
 */
import { declareAdapter } from '../../src/engine/resolve.js';
import { NEON_HTTP } from '../neon-http/declaration.js';
import { NEON_WS } from '../neon-ws/declaration.js';
import { PG } from '../pg/declaration.js';
import { PGLITE } from '../pglite/declaration.js';

export const SHIPPED = Object.freeze([PG, PGLITE, NEON_WS, NEON_HTTP]);

for (const adapter of SHIPPED) declareAdapter(adapter.name, adapter);
